import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCountedBatch, encodeCountedBatch } from '../../../src/lifecycle/counted-batch.js';
import { planBatchTouch } from '../../../src/lifecycle/plan-batch-touch.js';
import { planTouch } from '../../../src/lifecycle/plan-touch.js';
import type { StoredSessionRecord } from '../../../src/lifecycle/session-record.js';
import type { SessionLimits } from '../../../src/lifecycle/should-close-session.js';

const limits: SessionLimits = {
  maxSessionDuration: { iso: 'PT1H', ms: 3_600_000 },
  maxMessagesPerSession: 2,
  sessionTimeout: { iso: 'PT15M', ms: 900_000 },
};
const t0 = new Date('2026-01-01T00:00:00Z');
const batch = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ messageId: `m-${from + i}`, sequenceNumber: BigInt((from + i) * 10) }));
const stored = (record: Omit<StoredSessionRecord, 'etag'>): StoredSessionRecord => ({ ...record, etag: 'W/"1"' });
/** Generation 1 of session s, one message counted (`lastMessageId`) by a single-message touch. */
const oneCounted = (fields: Partial<StoredSessionRecord> & Pick<StoredSessionRecord, 'lastMessageId'>): StoredSessionRecord =>
  stored({ bot: 'b', sessionId: 's', generation: 1, state: 'active', openedAt: t0, lastActivityAt: t0, messageCount: 1, ...fields });
const placesOf = (plan: ReturnType<typeof planBatchTouch>) =>
  plan.kind === 'held' ? [] : plan.places.map((p) => [p.session.generation, p.session.index, p.closed?.generation ?? null]);

test('a batch is the single-message plan applied message by message: same places and closes, written once', () => {
  const plan = planBatchTouch(undefined, 'b', 's', batch(1, 5), t0, limits);
  assert.equal(plan.kind === 'counted' && plan.write, 'create');
  assert.deepEqual(placesOf(plan), [
    [1, 1, null],
    [1, 2, null],
    [2, 1, 1],
    [2, 2, null],
    [3, 1, 2],
  ]);
  // The same as five single touches.
  let record: StoredSessionRecord | undefined;
  const single = batch(1, 5).map((m) => {
    const step = planTouch(record, 'b', 's', m.messageId, t0, limits);
    record = { ...step.record, etag: 'x' };
    return [step.result.session.generation, step.result.session.index, step.result.closed?.generation ?? null];
  });
  assert.deepEqual(placesOf(plan), single);
});

test('the counted batch survives the Table column; one too big for it is left out (the last message id still guards)', () => {
  const plan = planBatchTouch(undefined, 'b', 's', batch(1, 5), t0, limits);
  assert.ok(plan.kind === 'counted');
  const text = encodeCountedBatch(plan.record.countedBatch!);
  assert.deepEqual(decodeCountedBatch(text), plan.record.countedBatch);
  const huge = planBatchTouch(undefined, 'b', 's', batch(1, 1000), t0, { ...limits, maxMessagesPerSession: 1 });
  assert.ok(huge.kind === 'counted');
  assert.equal(encodeCountedBatch(huge.record.countedBatch!), undefined, '1000 generations in one batch do not fit 32 K characters');
  assert.equal(decodeCountedBatch('{"not":"ours"}'), undefined);
});

test("a batch after a single-message touch (a bot switched to batches) does not count that touch's last message again", () => {
  const record = oneCounted({ lastMessageId: 'm-1' });
  const plan = planBatchTouch(record, 'b', 's', batch(1, 2), t0);
  assert.deepEqual(placesOf(plan), [
    [1, 1, null],
    [1, 2, null],
  ]);
  assert.equal(plan.kind === 'counted' && plan.record.messageCount, 2);
  assert.equal(plan.kind === 'counted' && plan.record.countedBatch?.firstSequenceNumber, 20n, 'the batch counted m-2 only');
  // That message alone again, as a batch: nothing to write.
  const again = planBatchTouch(record, 'b', 's', batch(1, 1), t0);
  assert.deepEqual(placesOf(again), [[1, 1, null]]);
  assert.equal(again.kind === 'counted' && again.write, 'none');
});

test('a message of the counted batch is not counted again after single-message touches counted later ones (a bot switched back)', () => {
  const first = planBatchTouch(undefined, 'b', 's', batch(1, 2), t0);
  assert.ok(first.kind === 'counted');
  const afterSingle = stored({ ...first.record, messageCount: 3, lastMessageId: 'm-3' });
  const plan = planBatchTouch(afterSingle, 'b', 's', [...batch(2, 2), { messageId: 'm-3', sequenceNumber: 30n }, ...batch(4, 4)], t0);
  assert.deepEqual(placesOf(plan), [
    [1, 2, null],
    [1, 3, null],
    [1, 4, null],
  ]);
  assert.equal(plan.kind === 'counted' && plan.record.messageCount, 4);
});

test('a held session: nothing planned; the record as counted through message i drops the messages after it', () => {
  const held = oneCounted({ lastMessageId: 'm-0', hold: { messageId: 'm-0', reason: 'TargetRejected', since: t0 } });
  assert.deepEqual(planBatchTouch(held, 'b', 's', batch(1, 3), t0), { kind: 'held', hold: held.hold });
  const plan = planBatchTouch(undefined, 'b', 's', batch(1, 4), t0, limits);
  assert.ok(plan.kind === 'counted');
  const through = plan.through(2)!;
  assert.deepEqual([through.generation, through.messageCount, through.lastMessageId], [2, 1, 'm-3']);
  assert.equal(through.countedBatch?.lastSequenceNumber, 30n);
});
