import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BotDefinition } from '../../../src/bots/bot-config-schema.js';

/** The development broker in its own process, as `npm run broker` runs it. */
export interface BrokerProcess {
  connectionString: string;
  /** For its CPU time (/proc), like Azurite's. */
  pid: number | undefined;
  close(): Promise<void>;
}

export interface BrokerProcessOptions {
  /** Each of the broker's log lines (it then runs with --verbose). */
  log?: (line: string) => void;
  /** Extra node flags for the broker, e.g. --cpu-prof. */
  nodeArgs?: readonly string[];
}

/** Loaded first in the broker: exit when the parent's IPC channel closes (the parent exited or was killed). */
const EXIT_WITH_PARENT = 'data:text/javascript,process.on("disconnect",()=>process.exit(0))';
const READY = /Connection string: (\S+)/;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * Starts dist/tools/dev-broker/main.js in a child process with one queue per bot (a bots.json written for
 * it), so the broker's CPU is not the measured app's: on Azure, Service Bus never runs on the app's cores.
 * Resolves with the connection string once the broker listens.
 */
export async function startBrokerProcess(bots: readonly BotDefinition[], options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const directory = mkdtempSync(path.join(tmpdir(), 'session-router-broker-'));
  const botsPath = path.join(directory, 'bots.json');
  writeFileSync(
    botsPath,
    JSON.stringify({
      bots: bots.map((bot) => ({ name: bot.name, queue: bot.queue, events: bot.events, strategy: bot.strategy, onPoison: bot.onPoison })),
    }),
  );
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      EXIT_WITH_PARENT,
      path.join(root, 'dist/tools/dev-broker/main.js'),
      '--port',
      '0',
      ...(options.log ? ['--verbose'] : []),
    ],
    { env: { ...process.env, BOTS_CONFIG_PATH: botsPath }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('the development broker was started without piped output');
  let output = '';
  let connectionString: string | undefined;
  stdout.setEncoding('utf8');
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => (connectionString ? options.log?.(chunk.trimEnd()) : (output += chunk)));
  stdout.on('data', (chunk: string) => {
    if (connectionString) {
      for (const line of chunk.split('\n')) if (line) options.log?.(line.replace(/^\[broker\] /, ''));
      return;
    }
    output += chunk;
    connectionString = READY.exec(output)?.[1];
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = () => connectionString && resolve();
      stdout.on('data', ready);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the development broker exited with code ${code} before it listened:\n${output}`)));
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  return {
    connectionString: connectionString!,
    pid: child.pid,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        // SIGTERM: the broker closes its connections and says "stopped"; the IPC channel would keep its
        // process alive after that, so closing the channel ends it (the preload above). SIGKILL after 5 s.
        let seen = '';
        const stopped = new Promise<void>((resolve) =>
          stdout.on('data', (chunk: string) => {
            seen = (seen + chunk).slice(-100);
            if (/^stopped$/m.test(seen)) resolve();
          }),
        );
        let force: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (force = setTimeout(resolve, 5_000)));
        child.kill('SIGTERM');
        await Promise.race([stopped, exited, grace]);
        if (child.connected) child.disconnect();
        await Promise.race([exited, grace]);
        clearTimeout(force);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
