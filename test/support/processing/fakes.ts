import functions, { type InvocationContext } from '@azure/functions';
import type { SessionToucher, TouchResult } from '../../../src/lifecycle/session-context.js';
import type { PoisonRecord, PoisonStore } from '../../../src/processing/poison-record.js';
import type { Telemetry, TelemetryProperties } from '../../../src/telemetry/telemetry.js';

export interface RecordedTelemetry extends Telemetry {
  events: { name: string; properties?: TelemetryProperties }[];
  metrics: { name: string; value: number; properties?: TelemetryProperties }[];
  exceptions: { error: unknown; properties?: TelemetryProperties }[];
}

export function recordingTelemetry(): RecordedTelemetry {
  const recorded: RecordedTelemetry = {
    events: [],
    metrics: [],
    exceptions: [],
    trackEvent: (name, properties) => void recorded.events.push({ name, properties }),
    trackMetric: (name, value, properties) => void recorded.metrics.push({ name, value, properties }),
    trackException: (error, properties) => void recorded.exceptions.push({ error, properties }),
  };
  return recorded;
}

/** Sessions in memory, idempotent per message id as the contract asks. */
export function memorySessions(): SessionToucher & { touches: { bot: string; sessionId: string; messageId: string }[] } {
  const counts = new Map<string, number>();
  const seen = new Map<string, TouchResult>();
  const touches: { bot: string; sessionId: string; messageId: string }[] = [];
  return {
    touches,
    look: async () => null,
    async touch(bot, sessionId, messageId) {
      touches.push({ bot, sessionId, messageId });
      const key = `${bot}\u0000${sessionId}`;
      const again = seen.get(`${key}\u0000${messageId}`);
      if (again) return again;
      const index = (counts.get(key) ?? 0) + 1;
      counts.set(key, index);
      const result = { session: { id: sessionId, generation: 1, index, isNew: index === 1 }, closed: null };
      seen.set(`${key}\u0000${messageId}`, result);
      return result;
    },
  };
}

export function memoryPoisonStore(): PoisonStore & { records: PoisonRecord[]; failWith?: Error } {
  const store: PoisonStore & { records: PoisonRecord[]; failWith?: Error } = {
    records: [],
    async record(input) {
      if (store.failWith) throw store.failWith;
      const record: PoisonRecord = {
        ...input,
        recordedAt: input.recordedAt.toISOString(),
        bodyTruncated: false,
        bodyLength: input.body.length,
      };
      store.records = store.records.filter((r) => !(r.bot === input.bot && r.messageId === input.messageId)).concat(record);
    },
    list: async (bot) => store.records.filter((r) => r.bot === bot),
    get: async (bot, messageId) => store.records.find((r) => r.bot === bot && r.messageId === messageId),
  };
  return store;
}

export interface CapturedLog {
  level: string;
  text: string;
}

/** A real InvocationContext as the Functions host builds it for a Service Bus trigger. */
export function queueContext(
  metadata: { sessionId?: string; messageId?: string; deliveryCount?: number; enqueuedTimeUtc?: string; eventType?: string },
  logs: CapturedLog[] = [],
): InvocationContext {
  return new functions.InvocationContext({
    functionName: 'bot-test',
    invocationId: `inv-${metadata.messageId ?? 'none'}`,
    triggerMetadata: {
      sessionId: metadata.sessionId,
      messageId: metadata.messageId,
      deliveryCount: metadata.deliveryCount ?? 1,
      enqueuedTimeUtc: metadata.enqueuedTimeUtc ?? '2026-11-26T17:00:01Z',
      applicationProperties: metadata.eventType ? { eventType: metadata.eventType } : {},
    },
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
}
