import { placesOf, runsOf, type CountedBatch } from './counted-batch.js';
import { planTouch } from './plan-touch.js';
import type { BatchMessage, TouchResult } from './session-context.js';
import type { SessionHold, SessionRecord, StoredSessionRecord } from './session-record.js';
import type { SessionLimits } from './should-close-session.js';

/**
 * What one batch's touch must write: the single-message plan (`planTouch`) applied to each
 * message in turn on the record as the previous one left it, so every rule (limits, generations,
 * closes reported on the message that opens the next generation) is the same, and the result
 * written once. `record` is the row after the write; `write` says how: none (every message was
 * counted before), a create (no record yet) or a replace of the record as known (If-Match).
 */
export type BatchTouchPlan =
  | { kind: 'held'; hold: SessionHold }
  | {
      kind: 'counted';
      write: 'none' | 'create' | 'replace';
      record: SessionRecord;
      places: TouchResult[];
      /** From the counted batch this one redelivers: its messages up to here reached the target already. */
      deliveredThrough?: bigint;
      /** The record had the batch stopped after message i; undefined for a message counted by an earlier delivery. */
      through: (i: number) => SessionRecord | undefined;
    };

export function planBatchTouch(
  current: StoredSessionRecord | undefined,
  bot: string,
  sessionId: string,
  messages: readonly BatchMessage[],
  at: Date,
  limits?: SessionLimits,
): BatchTouchPlan {
  if (messages.length === 0) throw new Error('a batch touch needs at least one message');
  if (current?.hold !== undefined) return { kind: 'held', hold: current.hold };
  // The batch counted last: its messages are at or below its last sequence number (a single-message touch since counted higher ones).
  const counted = current?.countedBatch;
  const replayed = counted === undefined ? [] : placesOf(counted, sessionId);
  const etag = current?.etag ?? '';

  let record: StoredSessionRecord | undefined = current;
  let write: 'none' | 'create' | 'replace' = 'none';
  const places: TouchResult[] = [];
  const fresh: { message: BatchMessage; place: TouchResult }[] = [];
  /** Per message: the record it left and how many fresh messages were counted through it (none: counted before). */
  const after: ({ record: SessionRecord; fresh: number } | undefined)[] = [];
  // A redelivery normally starts with the counted batch's first message; if not (one of it dead-lettered meanwhile), align at its last.
  const again = counted === undefined ? [] : messages.filter((m) => m.sequenceNumber <= counted.lastSequenceNumber);
  let replayedSoFar =
    counted === undefined || again.length === 0 || again[0]!.sequenceNumber === counted.firstSequenceNumber
      ? 0
      : again.at(-1)!.sequenceNumber === counted.lastSequenceNumber
        ? Math.max(0, replayed.length - again.length)
        : 0;
  for (const message of messages) {
    if (counted !== undefined && message.sequenceNumber <= counted.lastSequenceNumber) {
      // Counted by an earlier delivery of this batch: the place it had, in the order it had it.
      places.push(replayed[Math.min(replayedSoFar++, replayed.length - 1)]!);
      after.push(undefined);
      continue;
    }
    const plan = planTouch(record, bot, sessionId, message.messageId, at, limits);
    places.push(plan.result);
    if (plan.kind === 'unchanged') {
      // The last message a single-message touch counted (a bot switched to batches): nothing to write.
      after.push(undefined);
      continue;
    }
    if (plan.kind === 'create') write = 'create';
    else if (write === 'none') write = 'replace';
    record = { ...plan.record, etag };
    fresh.push({ message, place: plan.result });
    after.push({ record: plan.record, fresh: fresh.length });
  }
  const through = (i: number): SessionRecord | undefined => {
    const stop = after[i];
    return stop === undefined ? undefined : withBatch(stop.record, batchAfter(counted, fresh.slice(0, stop.fresh)));
  };
  if (write === 'none' || record === undefined) {
    return { kind: 'counted', write: 'none', record: current!, places, through, ...delivered(counted, again.length) };
  }
  const { etag: _etag, ...written } = record;
  return {
    kind: 'counted',
    write,
    record: withBatch(written, batchAfter(counted, fresh)),
    places,
    through,
    ...delivered(counted, again.length),
  };
}

/** The counted batch after the fresh messages so far: appended to the one redelivered, or a batch of its own. */
function batchAfter(counted: CountedBatch | undefined, fresh: readonly { message: BatchMessage; place: TouchResult }[]): CountedBatch {
  const runs = runsOf(fresh.map((f) => f.place));
  const last = fresh.at(-1)!.message.sequenceNumber;
  if (counted !== undefined) return { ...counted, lastSequenceNumber: last, runs: [...counted.runs, ...runs] };
  return { firstSequenceNumber: fresh[0]!.message.sequenceNumber, lastSequenceNumber: last, runs };
}

function withBatch(record: SessionRecord, countedBatch: CountedBatch): SessionRecord {
  return { ...record, countedBatch };
}

/** The delivered mark of the batch redelivered, when this batch redelivers some of it. */
function delivered(counted: CountedBatch | undefined, redelivered: number): { deliveredThrough?: bigint } {
  return counted?.deliveredThrough === undefined || redelivered === 0 ? {} : { deliveredThrough: counted.deliveredThrough };
}
