import type { BotDefinition } from '../bots/bot-config-schema.js';

/**
 * How long to hold a message that failed transiently before handing it back. Service Bus
 * redelivers an abandoned message at once, so without a pause a bot that is down for a second
 * burns every allowed delivery in milliseconds and the message is dead-lettered (and its
 * session moves on without it). The pause is `retryDelay` doubled per delivery, at most half the
 * lock, so the lock outlives it even where nothing renews it; none on the last delivery.
 */
export function retryPauseMs(delivery: BotDefinition['delivery'], deliveryCount: number): number {
  if (deliveryCount >= delivery.maxDeliveryCount) return 0;
  const grown = delivery.retryDelay.ms * 2 ** Math.min(Math.max(deliveryCount - 1, 0), 30);
  return Math.min(grown, Math.floor(delivery.lockDuration.ms / 2));
}
