import { isListening } from './port-probe.js';
import type { Log } from './log.js';

export interface StartedBroker {
  port: number;
  connectionString: string;
  /** Messages still in the broker's queues (locked or not), for a drain before it stops. */
  pendingMessages(): number;
  close(): Promise<void>;
}

export interface LocalServiceBus {
  /** For the banner: where messages go, never a key. */
  description: string;
  /** Set when this process runs the broker: its queues live in memory and die with it, so stopping drains them first. */
  pendingMessages?: () => number;
  close(): Promise<void>;
}

interface ParsedConnection {
  host: string;
  port: number | undefined;
  developmentEmulator: boolean;
}

export function parseServiceBusConnection(connection: string): ParsedConnection {
  const fields = new Map<string, string>();
  for (const part of connection.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const endpoint = fields.get('endpoint');
  if (!endpoint) throw new Error('ServiceBusConnection has no "Endpoint=sb://…" part');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`ServiceBusConnection: Endpoint "${endpoint}" is not a URL such as sb://localhost:5672`);
  }
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    developmentEmulator: fields.get('usedevelopmentemulator')?.toLowerCase() === 'true',
  };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Decides where the Service Bus messages go, the way the connection setting says:
 * - a namespace (or identity via `ServiceBusConnection__fullyQualifiedNamespace`): used as is;
 * - `Endpoint=sb://localhost:<port>;…;UseDevelopmentEmulator=true` with something listening
 *   there (the official emulator, or a broker from `npm run broker`): used as is;
 * - the same with nothing listening: starts the development broker there, one queue per bot.
 * `LOCAL_BROKER_PORT` (0 = any free port) always starts our broker on that port instead.
 * `ServiceBusConnection` is rewritten to the broker's actual address.
 */
export async function ensureServiceBus(
  env: NodeJS.ProcessEnv,
  startBroker: (port: number) => Promise<StartedBroker>,
  log: Log,
): Promise<LocalServiceBus> {
  const connection = env.ServiceBusConnection?.trim();
  const namespace = env.ServiceBusConnection__fullyQualifiedNamespace?.trim();
  const forcedPort = env.LOCAL_BROKER_PORT?.trim() ? Number(env.LOCAL_BROKER_PORT) : undefined;
  if (forcedPort !== undefined && (!Number.isInteger(forcedPort) || forcedPort < 0 || forcedPort > 65535)) {
    throw new Error(`LOCAL_BROKER_PORT must be a port number (0 = any free port), got "${env.LOCAL_BROKER_PORT}"`);
  }
  const nothing = async () => undefined;

  if (!connection && namespace && forcedPort === undefined) {
    return { description: `namespace ${namespace} (managed identity)`, close: nothing };
  }
  const parsed = connection ? parseServiceBusConnection(connection) : { host: 'localhost', port: 5672, developmentEmulator: true };
  const local = parsed.developmentEmulator && LOCAL_HOSTS.has(parsed.host);
  if (!local && forcedPort === undefined) {
    return { description: `namespace ${parsed.host} (from ServiceBusConnection)`, close: nothing };
  }

  const port = forcedPort ?? parsed.port ?? 5672;
  if (forcedPort === undefined && (await isListening(port, parsed.host))) {
    log.info('service-bus', `something already listens on ${parsed.host}:${port}; using it as the Service Bus emulator`);
    return {
      description: `emulator already running at ${parsed.host}:${port} (set LOCAL_BROKER_PORT=0 to run the development broker instead)`,
      close: nothing,
    };
  }
  const broker = await startBroker(port);
  env.ServiceBusConnection = broker.connectionString;
  return {
    description: `development broker (in memory) at localhost:${broker.port}`,
    pendingMessages: () => broker.pendingMessages(),
    close: () => broker.close(),
  };
}
