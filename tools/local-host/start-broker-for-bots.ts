import { startDevBroker } from '../dev-broker/start-dev-broker.js';
import { queueOptionsFromBots } from '../dev-broker/queue-options-from-bots.js';
import type { BotDefinition } from '../../src/bots/bot-config-schema.js';
import type { StartedBroker } from './local-service-bus.js';
import type { Log } from './log.js';

/**
 * The development broker with a queue per bot (sessions or not, as each bot's strategy needs),
 * in the shape the local host drains on stop: the messages still waiting in any queue.
 */
export async function startBrokerForBots(port: number, bots: readonly BotDefinition[], log?: Log): Promise<StartedBroker> {
  const broker = await startDevBroker({
    port,
    queues: queueOptionsFromBots(bots),
    ...(log && { log: (line: string) => log.debug('broker', line) }),
  });
  return {
    port: broker.port,
    connectionString: broker.connectionString,
    pendingMessages: () => broker.queueNames().reduce((sum, name) => sum + broker.queueStats(name).active, 0),
    close: () => broker.close(),
  };
}
