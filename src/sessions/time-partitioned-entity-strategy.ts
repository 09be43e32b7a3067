import { entityKey } from './entity-strategy.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/**
 * Entity sessions cut into time windows, so one busy entity cannot hold a session forever:
 * `{entity key}-p{floor(receivedAtEpochSeconds / partitionSeconds)}`. The window comes from
 * the envelope's `receivedAt`, never the clock, so a redelivery or retry lands in the same
 * session. Order holds within a window, not across a window boundary.
 */
export function timePartitionedEntityStrategy(partitionSeconds: number): SessionKeyGenerator {
  if (!Number.isSafeInteger(partitionSeconds) || partitionSeconds <= 0) {
    throw new RangeError(`partitionSeconds must be a positive whole number, got ${partitionSeconds}`);
  }
  return {
    generateKey(envelope) {
      const key = entityKey(envelope);
      if (key === null) return null;
      const receivedAtMs = Date.parse(envelope.metadata.receivedAt);
      if (!Number.isFinite(receivedAtMs)) {
        throw new RangeError(`envelope ${envelope.eventId}: metadata.receivedAt is not a timestamp: "${envelope.metadata.receivedAt}"`);
      }
      const epochSeconds = Math.floor(receivedAtMs / 1000);
      return `${key}-p${Math.floor(epochSeconds / partitionSeconds)}`;
    },
  };
}
