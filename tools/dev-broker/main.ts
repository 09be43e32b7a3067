import { parseArgs } from 'node:util';
import { readBots } from '../../src/bots/load-bots.js';
import { queueOptionsFromBots } from './queue-options-from-bots.js';
import { startDevBroker } from './start-dev-broker.js';

/** `npm run broker`: the development broker with one queue per bot in bots.json, until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, verbose: { type: 'boolean', default: false } } });
  const portText = values.port ?? process.env.DEV_BROKER_PORT ?? '5672';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port / DEV_BROKER_PORT must be a port number (0-65535), got "${portText}"`);
  }
  // The app's reader: the same checks and messages as at the app's start-up.
  const { source, bots } = readBots({ path: process.env.BOTS_CONFIG_PATH?.trim() || undefined });
  const queues = queueOptionsFromBots(bots);
  const broker = await startDevBroker({
    port,
    queues,
    log: values.verbose ? (line) => console.log(`[broker] ${line}`) : undefined,
  });
  console.log(`Development Service Bus broker on port ${broker.port} (bots from ${source})`);
  for (const queue of queues) {
    console.log(
      `  queue ${queue.name}: sessions, maxDeliveryCount ${queue.maxDeliveryCount}, lock ${queue.lockDurationMs} ms, duplicate window ${queue.duplicateDetectionWindowMs} ms`,
    );
  }
  // Last, so whoever waits for this line knows the broker is ready.
  console.log(`Connection string: ${broker.connectionString}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the broker`);
    // No process.exit on success: the process ends by itself once the broker has closed everything.
    broker.close().then(
      () => console.log('stopped'),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
