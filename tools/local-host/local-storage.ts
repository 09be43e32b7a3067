import { startAzurite, type RunningAzurite } from './start-azurite.js';
import { isPortFree } from './port-probe.js';
import type { Log } from './log.js';

export interface LocalStorage {
  /** What the banner shows: endpoints, never a key. */
  description: string;
  azurite?: RunningAzurite;
  stop(): Promise<void>;
}

const AZURITE_DEFAULT_PORTS = [10000, 10001, 10002] as const;

/** True when the app would talk to the storage emulator (the setting is unset or the emulator shorthand). */
export function wantsDevelopmentStorage(env: NodeJS.ProcessEnv): boolean {
  const value = env.AzureWebJobsStorage?.trim();
  if (value) return /^UseDevelopmentStorage=true;?$/i.test(value);
  // Identity-based storage (AzureWebJobsStorage__blobServiceUri …) is a real account.
  return !Object.keys(env).some((name) => name.startsWith('AzureWebJobsStorage__') && env[name]);
}

/**
 * Starts Azurite from node_modules (in memory) when the app wants development storage, on its
 * default ports when they are free, else on free ports; then points `AzureWebJobsStorage` at
 * it with a full connection string, so every client in this process finds it.
 * `LOCAL_AZURITE_PORTS` = `0` (any free ports) or `blob,queue,table` overrides the ports.
 */
export async function ensureStorage(env: NodeJS.ProcessEnv, log: Log): Promise<LocalStorage> {
  if (!wantsDevelopmentStorage(env)) {
    return { description: describeStorage(env), stop: async () => undefined };
  }
  const ports = await choosePorts(env.LOCAL_AZURITE_PORTS, log);
  const azurite = await startAzurite({ blobPort: ports[0], queuePort: ports[1], tablePort: ports[2] });
  env.AzureWebJobsStorage = azurite.connectionString;
  return {
    description: `Azurite (in memory) blob ${azurite.blobEndpoint} · table ${azurite.tableEndpoint}`,
    azurite,
    stop: () => azurite.stop(),
  };
}

async function choosePorts(override: string | undefined, log: Log): Promise<readonly [number, number, number]> {
  if (override?.trim()) {
    const parts = override.split(',').map((p) => Number(p.trim()));
    if (parts.length === 1 && parts[0] === 0) return [0, 0, 0];
    if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
      throw new Error(`LOCAL_AZURITE_PORTS must be "0" (any free ports) or "blob,queue,table" port numbers, got "${override}"`);
    }
    return [parts[0]!, parts[1]!, parts[2]!];
  }
  const busy: number[] = [];
  for (const port of AZURITE_DEFAULT_PORTS) if (!(await isPortFree(port))) busy.push(port);
  if (busy.length === 0) return AZURITE_DEFAULT_PORTS;
  log.warn(
    'storage',
    `port(s) ${busy.join(', ')} already in use (another Azurite?); starting Azurite on free ports instead and ` +
      'pointing AzureWebJobsStorage at them. Stop the other one, or set AzureWebJobsStorage to use it.',
  );
  return [0, 0, 0];
}

function describeStorage(env: NodeJS.ProcessEnv): string {
  const value = env.AzureWebJobsStorage?.trim();
  if (!value) {
    const blob = env.AzureWebJobsStorage__blobServiceUri;
    const table = env.AzureWebJobsStorage__tableServiceUri;
    return `identity-based storage (AzureWebJobsStorage__*): blob ${blob ?? '?'} · table ${table ?? '?'}`;
  }
  const parts = new Map(
    value
      .split(';')
      .map((part) => part.split(/=(.*)/s, 2) as [string, string | undefined])
      .filter(([key]) => key)
      .map(([key, v]) => [key.toLowerCase(), v ?? '']),
  );
  const account = parts.get('accountname') ?? '?';
  const blob = parts.get('blobendpoint');
  return `storage account ${account} from AzureWebJobsStorage${blob ? ` (blob ${blob})` : ''}`;
}
