import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDefinitions } from './app-definitions.js';
import { startLocalHost } from './local-host.js';
import { createLog, parseLogLevel } from './log.js';
import { startBrokerForBots } from './start-broker-for-bots.js';
import { loadBots } from '../../src/bots/load-bots.js';
import { LOCAL_USAGE, parseLocalArgs } from './parse-local-args.js';

/** `npm start`: the whole app on this machine (see docs/local-host.md). */
async function main(): Promise<void> {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const log = createLog(parseLogLevel(process.env.LOCAL_LOG_LEVEL));
  const args = parseLocalArgs(process.argv.slice(2));
  if (args.help) {
    console.log(LOCAL_USAGE);
    return;
  }

  const host = await startLocalHost({
    projectRoot,
    env: process.env,
    httpPort: args.httpPort,
    buildDefinitions,
    loadBots: (settings) => [...loadBots({ path: settings.BOTS_CONFIG_PATH }).bots],
    startBroker: (port, bots) => startBrokerForBots(port, bots, log),
    log,
  });
  process.stdout.write(host.banner + '\n');

  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      // Under `npm start`, one Ctrl-C reaches us twice (from the terminal and forwarded by npm).
      if (Date.now() - firstSignalAt < 1_000) return;
      log.warn('local-host', `${signal} again: exiting now; messages in flight will be redelivered only by a durable broker`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    log.info('local-host', `${signal}: shutting down`);
    host.stop().then(
      () => {
        log.info('local-host', 'stopped cleanly');
        process.exitCode = 0;
        // Everything is closed, but rhea-promise keeps a 60 s attach timer for each acceptNextSession
        // that was waiting when the pumps stopped (the SDK does not pass the abort down): do not wait for it.
        setTimeout(() => process.exit(0), 250).unref();
      },
      (error: unknown) => {
        log.error('local-host', 'shutdown failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
