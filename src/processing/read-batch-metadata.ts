import type { InvocationContext } from '@azure/functions';
import { readMessageFactsFrom, type QueueMessageFacts } from './trigger-metadata.js';

/** One message's facts in a batch: as for one message, plus its sequence number. */
export interface BatchMessageFacts extends QueueMessageFacts {
  /** The Service Bus sequence number (int64): grows within a queue, so within a session. */
  sequenceNumber: bigint;
}

/**
 * The per-message facts of a batch (`cardinality: many`). The Functions host's Service Bus
 * extension passes them as arrays, one entry per message in batch order, named as for one
 * message plus `Array` (first letter lower-cased by the Node worker): `messageIdArray`,
 * `sequenceNumberArray`, `deliveryCountArray`, `sessionIdArray`, `enqueuedTimeUtcArray`,
 * `applicationPropertiesArray` (ServiceBusTriggerBindingStrategy.AddBindingData for
 * ServiceBusReceivedMessage[], Azure/azure-sdk-for-net,
 * sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Triggers/ServiceBusTriggerBindingStrategy.cs;
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#message-metadata).
 * A missing array the pipeline needs, or one whose length is not the batch's, is an error naming
 * it: without them a message's place, session or delivery count would be guessed.
 */
export function readBatchMessageFacts(context: InvocationContext, count: number, options: { sessions: boolean }): BatchMessageFacts[] {
  const metadata = context.triggerMetadata ?? {};
  const required = ['messageIdArray', 'sequenceNumberArray', 'deliveryCountArray', ...(options.sessions ? ['sessionIdArray'] : [])];
  const optional = ['enqueuedTimeUtcArray', 'applicationPropertiesArray'];
  const arrays = new Map<string, unknown[]>();
  for (const name of [...required, ...optional]) {
    const value = metadata[name];
    if (value === undefined || value === null) {
      if (required.includes(name))
        throw new Error(`The batch of ${count} messages has no trigger metadata "${name}": is the trigger cardinality "many"?`);
      continue;
    }
    if (!Array.isArray(value)) throw new Error(`The batch's trigger metadata "${name}" is not an array (${typeof value})`);
    if (value.length !== count) {
      throw new Error(`The batch's trigger metadata "${name}" has ${value.length} entries for ${count} messages`);
    }
    arrays.set(name, value);
  }
  const at = (name: string, i: number): unknown => arrays.get(name)?.[i];
  return Array.from({ length: count }, (_, i) => ({
    ...readMessageFactsFrom(
      {
        messageId: at('messageIdArray', i),
        sessionId: at('sessionIdArray', i),
        deliveryCount: at('deliveryCountArray', i),
        enqueuedTimeUtc: at('enqueuedTimeUtcArray', i),
        applicationProperties: at('applicationPropertiesArray', i),
      },
      `invocation-${context.invocationId}-${i}`,
    ),
    sequenceNumber: sequenceNumberAt(at('sequenceNumberArray', i), i),
  }));
}

/**
 * An int64 as the worker may pass it: a number, a bigint, decimal text or a protobuf `Long`
 * ({low, high}). A number past 2^53 is refused rather than rounded: a rounded sequence number
 * could pass for one already counted or delivered. (Partitioned entities keep the partition in
 * the top 16 bits, https://learn.microsoft.com/azure/service-bus-messaging/message-sequencing;
 * with up to 16 partitions that stays below 2^52.)
 */
function sequenceNumberAt(value: unknown, i: number): bigint {
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,19}$/.test(value)) return BigInt(value);
  if (typeof value === 'object' && value !== null) {
    const { low, high } = value as { low?: unknown; high?: unknown };
    if (typeof low === 'number' && typeof high === 'number' && high >= 0) return (BigInt(high) << 32n) | BigInt(low >>> 0);
  }
  throw new Error(`The batch's trigger metadata "sequenceNumberArray" has no usable sequence number at [${i}]: ${describeValue(value)}`);
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? typeof value;
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
