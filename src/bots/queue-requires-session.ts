import type { BotDefinition } from './bot-config-schema.js';

/**
 * Whether a bot's queue is session-enabled. A bot with `strategy: none` asks for no order at all,
 * so its queue has no sessions and its trigger is a plain one: messages run fully in parallel
 * (up to the host's `maxConcurrentCalls`) and no worker is held by a one-message session.
 * Bicep (infra/modules/service-bus.bicep), the development broker, both hosts and the webhook's
 * send all ask this one question. A queue's sessions cannot be switched after it is created:
 * https://learn.microsoft.com/azure/service-bus-messaging/enable-message-sessions
 */
export function queueRequiresSession(bot: Pick<BotDefinition, 'strategy'>): boolean {
  return bot.strategy.type !== 'none';
}
