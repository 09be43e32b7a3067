import type { BotDefinition } from '../../src/bots/bot-config-schema.js';
import type { DevQueueOptions } from './dev-queue.js';

/** One session-enabled queue per bot, with the delivery properties bots.json gives it (the same ones Bicep provisions). */
export function queueOptionsFromBots(bots: readonly BotDefinition[]): DevQueueOptions[] {
  return bots.map((bot) => ({
    name: bot.queue,
    requiresSession: true,
    maxDeliveryCount: bot.delivery.maxDeliveryCount,
    lockDurationMs: bot.delivery.lockDuration.ms,
    requiresDuplicateDetection: true,
    duplicateDetectionWindowMs: bot.delivery.duplicateDetectionWindow.ms,
  }));
}
