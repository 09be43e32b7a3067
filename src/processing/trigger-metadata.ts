import type { InvocationContext } from '@azure/functions';

/** The Service Bus facts the pipeline needs, as the Functions host names them (first letter lower-cased). */
export interface QueueMessageFacts {
  sessionId: string | null;
  messageId: string;
  /** 1 on the first delivery (the host's count, not the AMQP header's zero-based one). */
  deliveryCount: number;
  enqueuedTimeUtc: string | null;
  /** From the message's application properties, so even an unreadable body says what it was. */
  eventType: string | null;
}

export function readQueueMessageFacts(context: InvocationContext): QueueMessageFacts {
  return readMessageFactsFrom(context.triggerMetadata ?? {}, `invocation-${context.invocationId}`);
}

/** The facts from one message's metadata (a batch's per-message entries use it too); `fallbackId` names a message without an id. */
export function readMessageFactsFrom(metadata: Record<string, unknown>, fallbackId: string): QueueMessageFacts {
  const applicationProperties = asRecord(metadata.applicationProperties);
  return {
    sessionId: nonEmptyString(metadata.sessionId),
    // Never absent on a real message; the invocation id still names the record if it were.
    messageId: nonEmptyString(metadata.messageId) ?? fallbackId,
    deliveryCount: positiveInteger(metadata.deliveryCount) ?? 1,
    enqueuedTimeUtc: timestamp(metadata.enqueuedTimeUtc),
    eventType: nonEmptyString(applicationProperties?.eventType),
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function positiveInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/**
 * A trigger-metadata time as UTC ISO 8601 with `Z`. The Functions host sends Service Bus times
 * such as `enqueuedTimeUtc` as .NET DateTime text without a zone ("2026-11-29T07:42:46.755",
 * UTC by name); JavaScript would read that as local time, so a zoneless time is taken as UTC.
 * A value that is no time at all is dropped (null) rather than stored as if it were one.
 */
function timestamp(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const text = nonEmptyString(value)?.trim();
  if (!text) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const isoLike = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?/.test(text);
  if (!isoLike) return null;
  const parsed = new Date(hasZone ? text : `${text}Z`);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}
