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
  const metadata = context.triggerMetadata ?? {};
  const applicationProperties = asRecord(metadata.applicationProperties);
  return {
    sessionId: nonEmptyString(metadata.sessionId),
    // Never absent on a real message; the invocation id still names the record if it were.
    messageId: nonEmptyString(metadata.messageId) ?? `invocation-${context.invocationId}`,
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

function timestamp(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  return nonEmptyString(value);
}
