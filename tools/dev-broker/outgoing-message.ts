import type { Message } from 'rhea';
import { amqpLong } from './amqp-encoding.js';
import type { StoredMessage } from './dev-queue.js';

/** A stored message as the service hands it out: the sender's sections plus the broker's header and annotations. */
export function outgoingMessage(stored: StoredMessage, lockedUntil?: number): Message {
  const annotations: Record<string, unknown> = {
    ...(stored.message.message_annotations ?? {}),
    'x-opt-sequence-number': amqpLong(stored.sequenceNumber),
    'x-opt-enqueued-time': new Date(stored.enqueuedAt),
  };
  if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(lockedUntil);
  if (stored.deadLetterSource !== undefined) annotations['x-opt-deadletter-source'] = stored.deadLetterSource;
  return { ...stored.message, delivery_count: stored.deliveryCount, message_annotations: annotations };
}
