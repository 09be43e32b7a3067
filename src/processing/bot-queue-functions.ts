import type { ServiceBusMessageHandler, ServiceBusQueueFunctionDefinition } from '../app/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';

/** One session-enabled queue trigger per bot, `bot-<name>`, for both hosts. */
export function defineBotQueueFunctions(
  bots: readonly BotDefinition[],
  makeHandler: (bot: BotDefinition) => ServiceBusMessageHandler,
): ServiceBusQueueFunctionDefinition[] {
  return bots.map((bot) => ({
    kind: 'serviceBusQueue',
    name: `bot-${bot.name}`,
    queueName: bot.queue,
    connection: 'ServiceBusConnection',
    isSessionsEnabled: true,
    handler: makeHandler(bot),
  }));
}
