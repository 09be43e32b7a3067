import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import Long from 'long';
import { normalizeSessionId } from '../sessions/normalize-session-id.js';

/** One dead-lettered message as an operator sees it. */
export interface DeadLetter {
  messageId: string;
  /** The envelope's `eventId` (GitHub's X-GitHub-Delivery), or null when the body is not an envelope. */
  deliveryId: string | null;
  sessionId: string | null;
  eventType: string | null;
  reason: string | null;
  description: string | null;
  deliveryCount: number;
  enqueuedTimeUtc: string | null;
  sequenceNumber: number;
}

export interface DeadLetterPage {
  messages: DeadLetter[];
  /** The `from` of the next page, or null when this page reached the end. */
  next: number | null;
}

export type TakeOutcome =
  | { outcome: 'resubmitted'; deadLetter: DeadLetter; newMessageId: string }
  | { outcome: 'discarded'; deadLetter: DeadLetter }
  | { outcome: 'notFound' }
  /** The message exists but another receiver holds its lock (another operator call, a moment ago). */
  | { outcome: 'locked' };

export interface DeadLetterQueue {
  /** Peeks (never removes, never locks) up to `limit` messages from sequence number `from` on. */
  list(queue: string, options: { from: number; limit: number }): Promise<DeadLetterPage>;
  /** How many messages are in the dead-letter queue, counted up to `cap` by peeking. */
  count(queue: string, cap: number): Promise<number>;
  /** Sends the message back to its queue and session (see `resubmittedMessageId`), then removes it from the dead letters. */
  resubmit(queue: string, messageId: string, sequenceNumber?: number): Promise<TakeOutcome>;
  /** Removes the message from the dead letters. */
  discard(queue: string, messageId: string, sequenceNumber?: number): Promise<TakeOutcome>;
}

/** Peek page size: the service answers at most this many per request anyway. */
const PEEK_BATCH = 250;
/** How many dead letters a resubmit or discard locks while looking for its message before giving up. */
const MAX_SCAN = 5_000;
const RESUBMIT_SUFFIX = /:resubmit-\d+$/;

/**
 * The id a resubmitted message is sent with. Its original MessageId (the delivery id) is still in
 * the queue's duplicate-detection history for `delivery.duplicateDetectionWindow` (P3D by default),
 * so the broker would silently drop a resend under it
 * (https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection). The new id is
 * derived from the dead letter's sequence number: a retried resubmit of the same dead letter
 * (the send went through, removing it failed) is dropped as the duplicate it is, while a message
 * dead-lettered and resubmitted again gets a new id. The envelope, and so `eventId` /
 * X-GitHub-Delivery, is unchanged: a bot still drops a repeat by delivery id.
 */
export function resubmittedMessageId(messageId: string, deadLetterSequenceNumber: number): string {
  const id = `${messageId.replace(RESUBMIT_SUFFIX, '')}:resubmit-${deadLetterSequenceNumber}`;
  // Service Bus's 128-character limit, kept the same way as for session ids.
  return normalizeSessionId(id);
}

/** Dead letters of the bots' session queues (the `$DeadLetterQueue` sub-queue), over the real SDK. */
export function createDeadLetterQueue(client: ServiceBusClient): DeadLetterQueue {
  const deadLetterReceiver = (queue: string, receiveMode: 'peekLock' | 'receiveAndDelete' = 'peekLock') =>
    client.createReceiver(queue, { subQueueType: 'deadLetter', receiveMode });

  async function peek(queue: string, from: number, limit: number): Promise<ServiceBusReceivedMessage[]> {
    const receiver = deadLetterReceiver(queue);
    try {
      return await receiver.peekMessages(limit, { fromSequenceNumber: Long.fromNumber(from) });
    } finally {
      await receiver.close();
    }
  }

  /** Locks dead letters in order until the one asked for is found; releases the others (abandon) afterwards. */
  async function take(
    queue: string,
    messageId: string,
    sequenceNumber: number | undefined,
    settle: (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage) => Promise<TakeOutcome>,
  ): Promise<TakeOutcome> {
    // A peek first: cheap, locks nothing, and tells "gone" from "locked by someone else".
    const wanted = await find(queue, messageId, sequenceNumber);
    if (wanted === undefined) return { outcome: 'notFound' };
    const receiver = deadLetterReceiver(queue);
    const passedOver: ServiceBusReceivedMessage[] = [];
    try {
      while (passedOver.length < MAX_SCAN) {
        const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 1_000 });
        if (batch.length === 0) return { outcome: 'locked' };
        let found: ServiceBusReceivedMessage | undefined;
        for (const message of batch) {
          if (found === undefined && sequenceOf(message) === wanted) found = message;
          else passedOver.push(message);
        }
        if (found !== undefined) return await settle(receiver, found);
      }
      return { outcome: 'locked' };
    } finally {
      await Promise.allSettled(passedOver.map((message) => receiver.abandonMessage(message)));
      await receiver.close();
    }
  }

  async function find(queue: string, messageId: string, sequenceNumber: number | undefined): Promise<number | undefined> {
    let from = sequenceNumber ?? 0;
    for (;;) {
      const page = await peek(queue, from, PEEK_BATCH);
      const hit = page.find((m) => m.messageId === messageId && (sequenceNumber === undefined || sequenceOf(m) === sequenceNumber));
      if (hit !== undefined) return sequenceOf(hit);
      if (page.length === 0 || sequenceNumber !== undefined) return undefined;
      from = sequenceOf(page.at(-1)!) + 1;
    }
  }

  return {
    async list(queue, { from, limit }) {
      const messages = await peek(queue, from, limit);
      const last = messages.at(-1);
      return {
        messages: messages.map(describeDeadLetter),
        next: messages.length < limit || last === undefined ? null : sequenceOf(last) + 1,
      };
    },

    async count(queue, cap) {
      let counted = 0;
      let from = 0;
      while (counted < cap) {
        const page = await peek(queue, from, Math.min(PEEK_BATCH, cap - counted));
        counted += page.length;
        if (page.length === 0) break;
        from = sequenceOf(page.at(-1)!) + 1;
      }
      return counted;
    },

    resubmit(queue, messageId, sequenceNumber) {
      return take(queue, messageId, sequenceNumber, async (receiver, message) => {
        const deadLetter = describeDeadLetter(message);
        const newMessageId = resubmittedMessageId(
          message.messageId === undefined ? messageId : String(message.messageId),
          deadLetter.sequenceNumber,
        );
        const sender = client.createSender(queue);
        try {
          await sender.sendMessages(resubmission(message, newMessageId));
        } finally {
          await sender.close();
        }
        // Sent first, removed after: a failure in between leaves a dead letter whose next resubmit
        // the broker drops as a duplicate, never a lost message.
        await receiver.completeMessage(message);
        return { outcome: 'resubmitted', deadLetter, newMessageId };
      });
    },

    discard(queue, messageId, sequenceNumber) {
      return take(queue, messageId, sequenceNumber, async (receiver, message) => {
        await receiver.completeMessage(message);
        return { outcome: 'discarded', deadLetter: describeDeadLetter(message) };
      });
    },
  };
}

/** The message as first sent: same body, session, subject and properties, minus what dead-lettering added. */
function resubmission(message: ServiceBusReceivedMessage, messageId: string): ServiceBusMessage {
  const {
    DeadLetterReason: _reason,
    DeadLetterErrorDescription: _description,
    ...applicationProperties
  } = message.applicationProperties ?? {};
  return {
    // The SDK types a body as any (it is whatever was sent); it passes through untouched.
    body: message.body as unknown,
    messageId,
    ...(message.sessionId === undefined ? {} : { sessionId: message.sessionId }),
    ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
    applicationProperties: { ...applicationProperties, resubmittedFrom: String(message.messageId ?? '') },
  };
}

function describeDeadLetter(message: ServiceBusReceivedMessage): DeadLetter {
  const envelope = envelopeFields(message.body);
  const eventType = message.applicationProperties?.eventType;
  return {
    messageId: String(message.messageId ?? ''),
    deliveryId: envelope.eventId,
    sessionId: message.sessionId ?? null,
    eventType: typeof eventType === 'string' ? eventType : envelope.eventType,
    reason: message.deadLetterReason ?? null,
    description: message.deadLetterErrorDescription ?? null,
    // Deliveries attempted before it was dead-lettered (a peeked message is not being delivered).
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString() ?? null,
    sequenceNumber: sequenceOf(message),
  };
}

function envelopeFields(body: unknown): { eventId: string | null; eventType: string | null } {
  let value: unknown = body;
  try {
    if (body instanceof Uint8Array) value = JSON.parse(Buffer.from(body).toString('utf8'));
    else if (typeof body === 'string') value = JSON.parse(body);
  } catch {
    return { eventId: null, eventType: null };
  }
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return {
    eventId: typeof record.eventId === 'string' ? record.eventId : null,
    eventType: typeof record.eventType === 'string' ? record.eventType : null,
  };
}

function sequenceOf(message: ServiceBusReceivedMessage): number {
  return message.sequenceNumber?.toNumber() ?? 0;
}
