import type { BotDefinition } from '../../src/bots/bot-config-schema.js';
import { queueRequiresSession } from '../../src/bots/queue-requires-session.js';
import type { DevQueueOptions } from './dev-queue.js';

/**
 * One queue per bot, with the delivery properties bots.json gives it (the same ones Bicep provisions):
 * session-enabled unless the bot's strategy is `none`.
 */
export function queueOptionsFromBots(bots: readonly BotDefinition[]): DevQueueOptions[] {
  return bots.map((bot) => ({
    name: bot.queue,
    requiresSession: queueRequiresSession(bot),
    maxDeliveryCount: bot.delivery.maxDeliveryCount,
    lockDurationMs: bot.delivery.lockDuration.ms,
    requiresDuplicateDetection: true,
    duplicateDetectionWindowMs: bot.delivery.duplicateDetectionWindow.ms,
  }));
}
