import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  DEVELOPMENT_STORAGE_ACCOUNT as AZURITE_ACCOUNT,
  DEVELOPMENT_STORAGE_KEY as AZURITE_KEY,
} from '../../src/transport/development-storage.js';

export interface AzuriteOptions {
  /** 0 = any free port (tests); 10000/10001/10002 are Azurite's defaults (`npm start`). */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  host?: string;
  /** Called with each line Azurite prints, for a local host that wants to show it. */
  onOutput?: (line: string) => void;
}

export interface RunningAzurite {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** A full connection string for `AzureWebJobsStorage` (works with any ports). */
  connectionString: string;
  /** Azurite's process id (the bench measures its CPU). */
  pid?: number;
  stop(): Promise<void>;
}

/** Preloaded into Azurite: exit when the parent's IPC channel closes (the parent exited or was killed). */
const EXIT_WITH_PARENT = 'data:text/javascript,process.on("disconnect",()=>process.exit(0))';

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;

/**
 * Starts Azurite from node_modules as a child process, in memory, without telemetry, and
 * resolves once all three services listen. A child process (not in-process) so that its
 * timers and sockets can never keep a test or the local host alive.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const require = createRequire(import.meta.url);
  const azuriteMain = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const child = spawn(
    process.execPath,
    [
      '--import',
      EXIT_WITH_PARENT,
      azuriteMain,
      '--inMemoryPersistence',
      '--extentMemoryLimit',
      '512',
      '--disableTelemetry',
      // No access log: a line per request, formatted by Azurite and piped to this process, cost
      // ~18% of Azurite's CPU per Table write (0.84 → 0.69 ms) and ~22% of its latency (1.34 →
      // 1.05 ms), and the reader below kept every line for Azurite's lifetime.
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      '--blobHost',
      host,
      '--blobPort',
      String(options.blobPort ?? 0),
      '--queueHost',
      host,
      '--queuePort',
      String(options.queuePort ?? 0),
      '--tableHost',
      host,
      '--tablePort',
      String(options.tablePort ?? 0),
    ],
    // Its own process group, so a Ctrl-C in the terminal reaches only the local host, which
    // stops Azurite after draining the queues (handlers still need storage until then).
    // The IPC channel ends it if this process dies without stopping it.
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true },
  );

  const endpoints = await new Promise<ServiceRoots>((resolve, reject) => {
    const found: Record<string, string> = {};
    let output = '';
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        output += line + '\n';
        options.onOutput?.(line);
        const match = LISTENING.exec(line);
        if (match) found[match[1]!.toLowerCase()] = match[2]!;
        if (found.blob && found.queue && found.table) resolve({ blob: found.blob, queue: found.queue, table: found.table });
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${code} before it listened:\n${output}`)));
  });
  child.removeAllListeners('exit');
  // From now on only pass lines on (errors Azurite prints): nothing accumulates for its lifetime.
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.removeAllListeners('data');
    stream.on('data', (chunk: Buffer) => {
      if (!options.onOutput) return;
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onOutput(line);
    });
  }

  return {
    ...azuriteAccount(endpoints, AZURITE_ACCOUNT, AZURITE_KEY),
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

/** Service roots without an account: http://127.0.0.1:<port> */
export interface ServiceRoots {
  blob: string;
  queue: string;
  table: string;
}

/** The endpoints and connection string of one storage account on an Azurite listening at `roots`. */
export function azuriteAccount(
  roots: ServiceRoots,
  account: string,
  key: string,
): Pick<RunningAzurite, 'blobEndpoint' | 'queueEndpoint' | 'tableEndpoint' | 'connectionString'> {
  const blobEndpoint = `${roots.blob}/${account}`;
  const queueEndpoint = `${roots.queue}/${account}`;
  const tableEndpoint = `${roots.table}/${account}`;
  return {
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
    if (child.connected) child.disconnect();
  });
}
