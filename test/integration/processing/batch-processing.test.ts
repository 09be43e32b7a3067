import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { batchFixture, batchInvocation, entriesOf, type BatchEntry, type Told } from '../../support/processing/batch-fixture.js';
import type { TableRequest } from '../../support/sessions-table.js';

/**
 * A bot with `cardinality: "many"`: batches handed to its pipeline as the Functions host does
 * (bodies + metadata arrays), over the real Table stores on Azurite and real GitHub payloads.
 */
let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const SESSION = 'pr-octocat/Hello-World-1';

/** Pull request events 1..count of one pull request, as the ingress builds them. */
function events(from: number, to: number, prefix = 'd') {
  return Array.from({ length: to - from + 1 }, (_, i) =>
    pullRequestEnvelope({ deliveryId: `${prefix}-${from + i}`, number: 1, action: from + i === 1 ? 'opened' : 'synchronize' }),
  );
}

const counts = (log: readonly TableRequest[], from = 0) => {
  const slice = log.slice(from);
  return { reads: slice.filter((r) => r.kind === 'read').length, writes: slice.filter((r) => r.kind === 'write').length };
};

const messagesTold = (told: readonly Told[]) => told.filter((t) => t.kind === 'message');

test('a batch of 10 costs two conditional Table writes (no read) once the session is known: the touch and the delivered mark; each message gets its place, in order', async () => {
  const f = await batchFixture(azurite, {});
  const first = batchInvocation(entriesOf(events(1, 10), SESSION, 100));
  await f.pipeline.handleBatch(first.messages, first.context);
  assert.deepEqual(
    counts(f.sessionRequests),
    { reads: 1, writes: 2 },
    'new session: one read (404, also the hold check), one create, one "delivered through" mark',
  );

  const mark = f.sessionRequests.length;
  const second = batchInvocation(entriesOf(events(11, 20), SESSION, 200));
  await f.pipeline.handleBatch(second.messages, second.context);
  // The mark after the target took the batch: the host's batch loop never renews the session lock, so a batch
  // can come back although it went through; the mark lets the redelivery skip it (see the lock-loss test below).
  assert.deepEqual(counts(f.sessionRequests, mark), { reads: 0, writes: 2 }, 'steady state: two writes per batch of 10, not 10');
  assert.ok(f.sessionRequests.slice(mark).every((r) => r.status === 204));
  assert.deepEqual(f.otherRequests, [], 'no poison or held table request');

  assert.deepEqual(
    messagesTold(f.told).map((t) => t.kind === 'message' && [t.id, t.generation, t.index]),
    Array.from({ length: 20 }, (_, i) => [`d-${i + 1}`, 1, i + 1]),
  );
  const record = await f.sessions.get(f.bot.name, SESSION);
  assert.equal(record?.messageCount, 20);
  assert.equal(record?.lastMessageId, 'd-20');
  assert.equal(
    f.telemetry.events.filter((e) => e.name === 'BotMessageProcessed').length,
    20,
    'each message is reported as processed, as for one message',
  );
});

test('claim-checked payloads are read in runs of the payload budget, each run touched and delivered before the next is read (a batch of large events is never held whole)', async () => {
  const envelopes = events(1, 6);
  const payloads = new Map(envelopes.map((e) => [`${e.eventId}.json`, e.payload]));
  // 40 bytes each against a budget of 100: runs of three (the run ends once the budget is reached).
  const f = await batchFixture(azurite, {}, { claimChecks: { payloads, budgetBytes: 100 } });
  const entries = entriesOf(envelopes, SESSION, 100).map((entry, i) => {
    const { payload: _payload, ...fields } = envelopes[i]!;
    const payloadRef = { container: 'payloads', blobName: `${envelopes[i]!.eventId}.json`, size: 40, sha256: 'a'.repeat(64) };
    return { ...entry, body: JSON.parse(JSON.stringify({ ...fields, payloadRef })) as unknown };
  });
  const order: string[] = [];
  f.onDeliver = (input) => void order.push(`deliver ${input.envelope.eventId} after reading ${f.resolved.length}`);
  const batch = batchInvocation(entries);
  await f.pipeline.handleBatch(batch.messages, batch.context);

  assert.deepEqual(order, [
    'deliver d-1 after reading 3',
    'deliver d-2 after reading 3',
    'deliver d-3 after reading 3',
    'deliver d-4 after reading 6',
    'deliver d-5 after reading 6',
    'deliver d-6 after reading 6',
  ]);
  assert.deepEqual(
    messagesTold(f.told).map((t) => t.kind === 'message' && [t.id, t.generation, t.index]),
    Array.from({ length: 6 }, (_, i) => [`d-${i + 1}`, 1, i + 1]),
    'in order, each with its place, as in one run',
  );
  assert.deepEqual(counts(f.sessionRequests), { reads: 1, writes: 3 }, 'a touch per run (create, then replace) and the delivered mark');
  const again = batchInvocation(entries.map((e) => ({ ...e, deliveryCount: 2 })));
  f.told.length = 0;
  await f.pipeline.handleBatch(again.messages, again.context);
  assert.deepEqual(
    messagesTold(f.told),
    [],
    'a redelivery of the whole batch reaches the target with nothing: both runs were marked delivered',
  );
  assert.equal((await f.sessions.get(f.bot.name, SESSION))?.messageCount, 6, 'counted once');
});

test('a generation closed by maxMessagesPerSession mid-batch: the notice is told in order just before the message that opened the next one', async () => {
  const f = await batchFixture(azurite, { session: { maxMessagesPerSession: 4 } }, { limits: true });
  const batch = batchInvocation(entriesOf(events(1, 10), SESSION, 1));
  await f.pipeline.handleBatch(batch.messages, batch.context);
  const place = (id: number, generation: number, index: number): Told => ({ kind: 'message', id: `d-${id}`, generation, index });
  assert.deepEqual(f.told, [
    place(1, 1, 1),
    place(2, 1, 2),
    place(3, 1, 3),
    place(4, 1, 4),
    { kind: 'closed', generation: 1, reason: 'maxMessagesPerSession', messageCount: 4 },
    place(5, 2, 1),
    place(6, 2, 2),
    place(7, 2, 3),
    place(8, 2, 4),
    { kind: 'closed', generation: 2, reason: 'maxMessagesPerSession', messageCount: 4 },
    place(9, 3, 1),
    place(10, 3, 2),
  ]);
  assert.equal(counts(f.sessionRequests).writes, 2, 'two generations crossed in one touch write (plus the delivered mark)');
  const record = await f.sessions.get(f.bot.name, SESSION);
  assert.deepEqual([record?.generation, record?.messageCount, record?.previous?.messageCount], [3, 2, 4]);
});

test('a redelivered batch (the host abandoned it) is not counted twice, with more or fewer messages, and its messages keep their places and notices', async () => {
  const f = await batchFixture(
    azurite,
    { session: { maxMessagesPerSession: 3 }, delivery: { maxRetryDuration: 'PT0S', maxDeliveryCount: 10 } },
    { limits: true },
  );
  // Messages 1..5 counted (generation 1: 1-3, 2: 1-2), then the target fails at message 5: the host abandons all five.
  f.onDeliver = (input) => {
    if (input.envelope.eventId === 'd-5') throw new TransientError('target down');
  };
  const entries = entriesOf(events(1, 8), SESSION, 1000);
  let mark = f.sessionRequests.length;
  const firstTry = batchInvocation(entries.slice(0, 5));
  await assert.rejects(f.pipeline.handleBatch(firstTry.messages, firstTry.context), /target down/);
  assert.deepEqual(
    counts(f.sessionRequests, mark),
    { reads: 1, writes: 2 },
    'the touch, and on the failure path the "delivered through 4" mark',
  );
  assert.deepEqual(f.told, [
    { kind: 'message', id: 'd-1', generation: 1, index: 1 },
    { kind: 'message', id: 'd-2', generation: 1, index: 2 },
    { kind: 'message', id: 'd-3', generation: 1, index: 3 },
    { kind: 'closed', generation: 1, reason: 'maxMessagesPerSession', messageCount: 3 },
    { kind: 'message', id: 'd-4', generation: 2, index: 1 },
  ]);
  f.told.length = 0;
  f.onDeliver = () => undefined;

  // Redelivered with fewer messages, all delivered before: nothing written, nothing delivered again.
  mark = f.sessionRequests.length;
  const fewer = batchInvocation(entries.slice(0, 4).map((e) => ({ ...e, deliveryCount: 2 })));
  await f.pipeline.handleBatch(fewer.messages, fewer.context);
  assert.deepEqual(counts(f.sessionRequests, mark), { reads: 0, writes: 0 });
  assert.equal(f.told.length, 0);
  assert.equal(f.telemetry.events.filter((e) => e.name === 'BotMessageAlreadyDelivered').length, 4);

  // Redelivered with more: 1..4 skipped (delivered), 5 gets the place it was counted at, 6..8 are counted, in one
  // write; then the delivered mark (through 8).
  mark = f.sessionRequests.length;
  const more = batchInvocation(entries.map((e) => ({ ...e, deliveryCount: 3 })));
  await f.pipeline.handleBatch(more.messages, more.context);
  assert.deepEqual(counts(f.sessionRequests, mark), { reads: 0, writes: 2 });
  assert.deepEqual(f.told, [
    { kind: 'message', id: 'd-5', generation: 2, index: 2 },
    { kind: 'message', id: 'd-6', generation: 2, index: 3 },
    { kind: 'closed', generation: 2, reason: 'maxMessagesPerSession', messageCount: 3 },
    { kind: 'message', id: 'd-7', generation: 3, index: 1 },
    { kind: 'message', id: 'd-8', generation: 3, index: 2 },
  ]);
  const record = await f.sessions.get(f.bot.name, SESSION);
  assert.deepEqual([record?.generation, record?.messageCount], [3, 2], '8 messages counted once each: 3 + 3 + 2');

  // Again (its completion failed: the session lock expired, say), taken by another instance, which reads the record:
  // nothing written, nothing counted twice, nothing delivered twice (the mark says through 8).
  f.told.length = 0;
  const skippedBefore = f.telemetry.events.filter((e) => e.name === 'BotMessageAlreadyDelivered').length;
  mark = f.sessionRequests.length;
  const again = batchInvocation(entries.map((e) => ({ ...e, deliveryCount: 4 })));
  await f.elsewhere().handleBatch(again.messages, again.context);
  assert.deepEqual(counts(f.sessionRequests, mark), { reads: 1, writes: 0 });
  assert.deepEqual(f.told, []);
  assert.equal(f.telemetry.events.filter((e) => e.name === 'BotMessageAlreadyDelivered').length - skippedBefore, 8);
});

test('a batch that went through but whose session lock was lost (the host could not complete it) comes back: nothing reaches the target twice, newer messages once, in order', async () => {
  const f = await batchFixture(azurite, {});
  const entries = entriesOf(events(1, 7), SESSION, 500);
  // The handler returns: on Azure the batch loop then completes the five, which fails once the session
  // lock (never renewed for a batch trigger) has expired; the host closes the receiver and they come back.
  const first = batchInvocation(entries.slice(0, 5));
  await f.pipeline.handleBatch(first.messages, first.context);
  assert.deepEqual(
    messagesTold(f.told).map((t) => t.kind === 'message' && t.id),
    ['d-1', 'd-2', 'd-3', 'd-4', 'd-5'],
  );
  f.told.length = 0;

  // Redelivered (delivery count 2) with two that arrived meanwhile: only those reach the target, at the next places.
  const mark = f.sessionRequests.length;
  const back = batchInvocation(entries.map((e) => ({ ...e, deliveryCount: 2 })));
  await f.pipeline.handleBatch(back.messages, back.context);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && [t.id, t.generation, t.index]),
    [
      ['d-6', 1, 6],
      ['d-7', 1, 7],
    ],
  );
  assert.equal(f.telemetry.events.filter((e) => e.name === 'BotMessageAlreadyDelivered').length, 5);
  assert.deepEqual(counts(f.sessionRequests, mark), { reads: 0, writes: 2 }, 'the touch of the two new ones and their delivered mark');
  const record = await f.sessions.get(f.bot.name, SESSION);
  assert.deepEqual([record?.messageCount, record?.lastMessageId], [7, 'd-7'], 'each counted once');
});

test('the delivered mark after a batch that went through is best effort: its failure is logged, the batch still succeeds (a redelivery would deliver again)', async () => {
  const f = await batchFixture(azurite, {});
  const failing = {
    ...f.sessions,
    markDelivered: async () => {
      throw new Error('table unavailable');
    },
  };
  const lines: string[] = [];
  const batch = batchInvocation(entriesOf(events(1, 3), SESSION, 10), { log: (level, text) => lines.push(`${level} ${text}`) });
  await f.over(failing).handleBatch(batch.messages, batch.context);
  assert.deepEqual(
    messagesTold(f.told).map((t) => t.kind === 'message' && t.id),
    ['d-1', 'd-2', 'd-3'],
  );
  assert.ok(
    lines.some((line) => /^warning .*could not note what session .* delivered \(the batch went through.*table unavailable/.test(line)),
    lines.join('\n'),
  );
  assert.equal((await f.sessions.get(f.bot.name, SESSION))?.messageCount, 3);
});

test('a batch finding its session held keeps every message in line, in order, counting none', async () => {
  const f = await batchFixture(azurite, { onPoison: 'hold' });
  // Message 2 of the first batch is rejected for good: the session is held at it.
  f.onDeliver = (input) => {
    if (input.envelope.eventId === 'd-2') throw new PermanentError('TargetRejected', 'HTTP 422');
  };
  const first = batchInvocation(entriesOf(events(1, 3), SESSION, 10));
  await f.pipeline.handleBatch(first.messages, first.context);
  f.onDeliver = () => undefined;
  const next = batchInvocation(entriesOf(events(4, 6), SESSION, 20));
  await f.pipeline.handleBatch(next.messages, next.context);

  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1'],
    'nothing after the poisoned message reached the target',
  );
  const line = await f.held.list(f.bot.name, SESSION);
  assert.deepEqual(
    line.map((m) => [m.messageId, m.poisoned]),
    [
      ['d-2', true],
      ['d-3', false],
      ['d-4', false],
      ['d-5', false],
      ['d-6', false],
    ],
  );
  const record = await f.sessions.get(f.bot.name, SESSION);
  assert.equal(record?.hold?.messageId, 'd-2');
  assert.equal(
    record?.messageCount,
    2,
    'counted through the poisoned message (the bot was shown it), not the three kept behind it nor the next batch',
  );
  // The resume delivers the kept messages through the same pipeline: each counted once, at the place after the poisoned one.
  const resumed = await f.pipeline.deliverHeld(line[1]!);
  assert.equal(resumed.kind, 'delivered');
  assert.deepEqual(f.told.at(-1), { kind: 'message', id: 'd-3', generation: 1, index: 3 });
});

test('a batch whose touch finds the session held elsewhere (this process remembered it unheld) keeps the whole batch in line, counting none', async () => {
  const f = await batchFixture(azurite, { onPoison: 'hold' });
  const first = batchInvocation(entriesOf(events(1, 2), SESSION, 1));
  await f.pipeline.handleBatch(first.messages, first.context);
  // An operator's instance holds the session meanwhile (as a poisoned message there would).
  const other = f.otherSessions();
  const record = (await other.get(f.bot.name, SESSION))!;
  const { etag: _etag, ...fields } = record;
  assert.notEqual(
    await other.replaceIf(record, { ...fields, hold: { messageId: 'd-x', reason: 'TargetRejected', since: new Date() } }),
    'conflict',
  );

  const second = batchInvocation(entriesOf(events(3, 5), SESSION, 10));
  await f.pipeline.handleBatch(second.messages, second.context);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1', 'd-2'],
  );
  assert.deepEqual(
    (await f.held.list(f.bot.name, SESSION)).map((m) => m.messageId),
    ['d-3', 'd-4', 'd-5'],
  );
  assert.equal((await f.sessions.get(f.bot.name, SESSION))?.messageCount, 2);
});

test('a session-closed control message inside a batch (a janitor close) is told in order and not counted', async () => {
  const f = await batchFixture(azurite, {});
  const entries = entriesOf(events(1, 3), SESSION, 1);
  const notice = {
    kind: 'session-closed',
    sessionId: SESSION,
    generation: 1,
    reason: 'sessionTimeout',
    messageCount: 1,
    openedAt: '2026-11-29T09:00:00.000Z',
    closedAt: '2026-11-29T09:40:00.000Z',
  };
  entries.splice(1, 0, { body: notice, messageId: 'closed-1-abc', sequenceNumber: 2, sessionId: SESSION, eventType: 'session-closed' });
  const batch = batchInvocation(entries);
  await f.pipeline.handleBatch(batch.messages, batch.context);
  assert.deepEqual(
    f.told.map((t) => (t.kind === 'message' ? [t.id, t.index] : ['closed', t.generation])),
    [
      ['d-1', 1],
      ['closed', 1],
      ['d-2', 2],
      ['d-3', 3],
    ],
  );
  assert.equal((await f.sessions.get(f.bot.name, SESSION))?.messageCount, 3);
});

test('a malformed message mid-batch of a hold bot: the ones before it are delivered and counted, it heads the line, the rest wait behind it', async () => {
  const f = await batchFixture(azurite, { onPoison: 'hold' });
  const entries = entriesOf(events(1, 5), SESSION, 50);
  entries[2] = { ...entries[2]!, body: '{"not": "an envelope"}' };
  const batch = batchInvocation(entries);
  await f.pipeline.handleBatch(batch.messages, batch.context);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && [t.id, t.index]),
    [
      ['d-1', 1],
      ['d-2', 2],
    ],
  );
  assert.deepEqual(
    (await f.held.list(f.bot.name, SESSION)).map((m) => [m.messageId, m.poisoned]),
    [
      ['d-3', true],
      ['d-4', false],
      ['d-5', false],
    ],
  );
  assert.equal((await f.poison.get(f.bot.name, 'd-3'))?.reason, 'MalformedEnvelope');
  assert.equal((await f.sessions.get(f.bot.name, SESSION))?.messageCount, 2, 'the malformed one never reached the bot: not counted');
});

test('strategy none: a batch of unrelated messages, in order, without any Table request; a bad one is recorded and skipped', async () => {
  const f = await batchFixture(azurite, { strategy: { type: 'none' }, onPoison: 'skip' });
  const entries = entriesOf(events(1, 6, 'u'), null, 7);
  entries[3] = { ...entries[3]!, body: 'not json at all' };
  const batch = batchInvocation(entries, { leave: ['sessionIdArray'] });
  await f.pipeline.handleBatch(batch.messages, batch.context);
  assert.deepEqual(f.told, [
    { kind: 'message', id: 'u-1', generation: undefined, index: undefined },
    { kind: 'message', id: 'u-2', generation: undefined, index: undefined },
    { kind: 'message', id: 'u-3', generation: undefined, index: undefined },
    { kind: 'message', id: 'u-5', generation: undefined, index: undefined },
    { kind: 'message', id: 'u-6', generation: undefined, index: undefined },
  ]);
  assert.deepEqual(f.sessionRequests, []);
  assert.equal((await f.poison.get(f.bot.name, 'u-4'))?.reason, 'MalformedEnvelope');
});

test('retry in place has one budget for the whole batch: a failure after it is spent hands the batch back at once', async () => {
  const f = await batchFixture(azurite, { delivery: { maxRetryDuration: 'PT10S', retryDelay: 'PT4S' } });
  let failures = 0;
  f.onDeliver = (input) => {
    // Message 1 fails twice, then message 2 for good.
    if ((input.envelope.eventId === 'd-1' && failures < 2) || input.envelope.eventId === 'd-2') {
      failures++;
      throw new TransientError(`target down (${input.envelope.eventId})`);
    }
  };
  const batch = batchInvocation(entriesOf(events(1, 3), SESSION, 1));
  await assert.rejects(f.pipeline.handleBatch(batch.messages, batch.context), /target down \(d-2\)/);
  // Backoff 4 s then 8 s with jitter (random 0.5: three quarters of it): 3 s + 6 s for message 1; message 2 gets only the
  // 1 s left of the batch's 10 s (a budget per message would start it again at 3 s), then the batch is handed back.
  assert.deepEqual(f.waits, [3_000, 6_000, 1_000]);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1'],
  );
});

test('retry in place inside a batch ends within the lock the batch loop never renews: maxRetryDuration is cut to lockDuration minus a margin', async () => {
  // maxRetryDuration PT4M would retry long after a 20 s lock expired (the batch then comes back anyway).
  const f = await batchFixture(azurite, { delivery: { lockDuration: 'PT20S', maxRetryDuration: 'PT4M', retryDelay: 'PT4S' } });
  f.onDeliver = (input) => {
    if (input.envelope.eventId === 'd-2') throw new TransientError('target down');
  };
  const batch = batchInvocation(entriesOf(events(1, 3), SESSION, 1));
  await assert.rejects(f.pipeline.handleBatch(batch.messages, batch.context), /target down/);
  // 20 s lock - 5 s margin (journal target: no last-attempt timeout) = 15 s: 3 s + 6 s, then the 6 s left, then handed back.
  assert.deepEqual(f.waits, [3_000, 6_000, 6_000]);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1'],
  );
});

test('retry in place stops when the invocation is cancelled (functionTimeout), and the batch is handed back', async () => {
  const f = await batchFixture(azurite, {});
  const cancel = new AbortController();
  f.onDeliver = (input) => {
    if (input.envelope.eventId === 'd-2') {
      cancel.abort(new Error('functionTimeout'));
      throw new TransientError('slow target');
    }
  };
  const batch = batchInvocation(entriesOf(events(1, 3), SESSION, 1), { signal: cancel.signal });
  await assert.rejects(f.pipeline.handleBatch(batch.messages, batch.context), /slow target/);
  assert.deepEqual(f.waits, [], 'no wait once cancelled');
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1'],
  );
});

test('on the last delivery a failing message is recorded as poison and skipped, not the batch abandoned (which would dead-letter all of it)', async () => {
  const f = await batchFixture(azurite, { onPoison: 'skip', delivery: { maxDeliveryCount: 3, maxRetryDuration: 'PT0S' } });
  f.onDeliver = (input) => {
    if (input.envelope.eventId === 'd-2') throw new TransientError('target down');
  };
  const entries: BatchEntry[] = entriesOf(events(1, 4), SESSION, 1).map((e, i) => ({ ...e, deliveryCount: i === 3 ? 2 : 3 }));
  const batch = batchInvocation(entries);
  await f.pipeline.handleBatch(batch.messages, batch.context);
  assert.deepEqual(
    f.told.map((t) => t.kind === 'message' && t.id),
    ['d-1', 'd-3', 'd-4'],
  );
  const record = await f.poison.get(f.bot.name, 'd-2');
  assert.equal(record?.reason, 'MaxDeliveryCountExceeded');
  assert.equal(record?.deliveryCount, 3);
  // Before its last delivery the same failure hands the batch back.
  const earlier = batchInvocation(entriesOf(events(5, 6), SESSION, 100, 2));
  f.onDeliver = () => {
    throw new TransientError('target down');
  };
  await assert.rejects(f.pipeline.handleBatch(earlier.messages, earlier.context), /target down/);
});

test('metadata arrays missing or of the wrong length: a clear error naming the array', async () => {
  const f = await batchFixture(azurite, {});
  const entries = entriesOf(events(1, 3), SESSION, 1);
  for (const name of ['messageIdArray', 'sequenceNumberArray', 'deliveryCountArray', 'sessionIdArray']) {
    const batch = batchInvocation(entries, { leave: [name] });
    await assert.rejects(f.pipeline.handleBatch(batch.messages, batch.context), new RegExp(`no trigger metadata "${name}"`));
  }
  const short = batchInvocation(entries, { extra: { sequenceNumberArray: [1, 2] } });
  await assert.rejects(f.pipeline.handleBatch(short.messages, short.context), /"sequenceNumberArray" has 2 entries for 3 messages/);
  const mixed = batchInvocation(entries.map((e, i) => ({ ...e, sessionId: i === 2 ? 'pr-other' : SESSION })));
  await assert.rejects(f.pipeline.handleBatch(mixed.messages, mixed.context), /mixes sessions/);
  assert.deepEqual(f.told, [], 'nothing reached the target');
  assert.deepEqual(f.sessionRequests, [], 'nothing counted');
});
