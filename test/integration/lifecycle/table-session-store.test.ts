import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { encodeRowKey } from '../../../src/lifecycle/encode-row-key.js';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';
import { TableClient } from '@azure/data-tables';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { freshSessionsTable, type TableRequest } from '../../support/sessions-table.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const t0 = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

const counts = (log: TableRequest[], from = 0) => {
  const slice = log.slice(from);
  return { reads: slice.filter((r) => r.kind === 'read').length, writes: slice.filter((r) => r.kind === 'write').length };
};

test('messages of a session are numbered 1, 2, 3 in one generation; after the first, one write and no read each', async () => {
  const { tableClient, log } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'pr-octocat/Hello-World-123';

  let mark = log.length;
  assert.deepEqual(await store.touch('merge-warden', id, 'd-1', t0), {
    session: { id, generation: 1, index: 1, isNew: true },
    closed: null,
  });
  assert.deepEqual(counts(log, mark), { reads: 1, writes: 1 }, 'first message: read (404) + create');

  mark = log.length;
  assert.deepEqual((await store.touch('merge-warden', id, 'd-2', later(1_000))).session, { id, generation: 1, index: 2, isNew: false });
  for (let i = 3; i <= 20; i++) assert.equal((await store.touch('merge-warden', id, `d-${i}`, later(i * 1_000))).session.index, i);
  assert.deepEqual(counts(log, mark), { reads: 0, writes: 19 }, 'steady state: one conditional write per message, zero reads');
  assert.ok(
    log.slice(mark).every((r) => r.status === 204),
    'no write conflicted',
  );

  const record = await store.get('merge-warden', id);
  assert.equal(record?.messageCount, 20);
  assert.equal(record?.lastMessageId, 'd-20');
  assert.equal(record?.state, 'active');
  assert.deepEqual(record?.openedAt, t0);
  assert.deepEqual(record?.lastActivityAt, later(20_000));
  // The same id under another bot is another record.
  assert.equal((await store.touch('task-tactician', id, 'd-1', t0)).session.index, 1);
});

test('a one-message session (its id is the delivery id, as for an event without a key) costs one create; its redelivery elsewhere keeps its place', async () => {
  const { tableClient, log } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const deliveryId = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

  const entityRequests = (from: number) => log.slice(from).flatMap((r) => (r.kind === 'table' ? [] : [`${r.kind} ${r.status}`]));
  let mark = log.length;
  const first = await store.touch('merge-warden', deliveryId, deliveryId, t0);
  assert.deepEqual(first, { session: { id: deliveryId, generation: 1, index: 1, isNew: true }, closed: null });
  assert.deepEqual(entityRequests(mark), ['write 204'], 'one create, no read first');

  // Redelivered to another instance (the first one crashed before completing): the create finds the record.
  mark = log.length;
  assert.deepEqual(await createTableSessionStore({ tableClient }).touch('merge-warden', deliveryId, deliveryId, later(1_000)), first);
  assert.deepEqual(entityRequests(mark), ['write 409', 'read 200']);
  assert.equal((await store.get('merge-warden', deliveryId))?.messageCount, 1, 'counted once');
});

test('a redelivered message gets the index it had and is not counted twice, without a request', async () => {
  const { tableClient, requests } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'issue-octocat/Hello-World-7';
  await store.touch('task-tactician', id, 'd-1', t0);
  const first = await store.touch('task-tactician', id, 'd-2', later(1));

  const before = requests();
  assert.deepEqual(await store.touch('task-tactician', id, 'd-2', later(5_000)), first);
  assert.equal(requests() - before, 0, 'a redelivery in the process that counted it costs nothing');
  assert.equal((await store.get('task-tactician', id))?.messageCount, 2);
  // Another instance answers the same from the table.
  assert.deepEqual(await createTableSessionStore({ tableClient }).touch('task-tactician', id, 'd-2', later(6_000)), first);

  // Even after the janitor closed the session, the redelivery keeps its place...
  await store.close('task-tactician', id, 'sessionTimeout', later(10_000));
  assert.deepEqual(await store.touch('task-tactician', id, 'd-2', later(11_000)), first);
  // ...and the next new message opens generation 2.
  assert.deepEqual((await store.touch('task-tactician', id, 'd-3', later(12_000))).session, { id, generation: 2, index: 1, isNew: true });
});

test('a session written by another instance meanwhile costs one 412 and a re-read, and is counted right', async () => {
  const { tableClient, log } = await freshSessionsTable(azurite.connectionString);
  const here = createTableSessionStore({ tableClient });
  const elsewhere = createTableSessionStore({
    tableClient: TableClient.fromConnectionString(azurite.connectionString, tableClient.tableName, { allowInsecureConnection: true }),
  });
  const id = 'pr-octocat/Hello-World-5';
  await here.touch('merge-warden', id, 'd-1', t0);
  await here.touch('merge-warden', id, 'd-2', later(1));
  // The lock moved: the other instance processed two messages, then the session came back.
  await elsewhere.touch('merge-warden', id, 'd-3', later(2));
  await elsewhere.touch('merge-warden', id, 'd-4', later(3));

  let mark = log.length;
  assert.deepEqual((await here.touch('merge-warden', id, 'd-5', later(4))).session, { id, generation: 1, index: 5, isNew: false });
  assert.deepEqual(
    log.slice(mark).map((r) => `${r.kind} ${r.status}`),
    ['write 412', 'read 200', 'write 204'],
  );
  mark = log.length;
  assert.equal((await here.touch('merge-warden', id, 'd-6', later(5))).session.index, 6);
  assert.deepEqual(counts(log, mark), { reads: 0, writes: 1 }, 'known again after the re-read');

  // A close by the janitor (another instance) is seen the same way: the next message opens generation 2.
  await elsewhere.close('merge-warden', id, 'sessionTimeout', later(6));
  assert.deepEqual((await here.touch('merge-warden', id, 'd-7', later(7))).session, { id, generation: 2, index: 1, isNew: true });
});

test('50 concurrent touches of one session each count once: indexes 1..50, count 50', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'repo-octocat/Hello-World';
  const contexts = (await Promise.all(Array.from({ length: 50 }, (_, i) => store.touch('spec-sentinel', id, `d-${i}`, later(i))))).map(
    (result) => result.session,
  );
  assert.deepEqual(
    contexts.map((c) => c.index).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.equal(contexts.filter((c) => c.isNew).length, 1, 'exactly one touch opened the session');
  assert.ok(contexts.every((c) => c.generation === 1));
  assert.equal((await store.get('spec-sentinel', id))?.messageCount, 50);
});

const limited = (overrides: Partial<Record<'maxSessionDuration' | 'maxMessagesPerSession' | 'sessionTimeout', unknown>>) =>
  botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], session: overrides }).session;

test('limits at once: 50 parallel touches with maxMessagesPerSession 7 make generations of exactly 7, each close reported once', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const limits = limited({ maxMessagesPerSession: 7 });
  // Five instances, ten touches each in flight at once: every write races.
  const instances = Array.from({ length: 5 }, () =>
    createTableSessionStore({
      tableClient: TableClient.fromConnectionString(azurite.connectionString, tableClient.tableName, { allowInsecureConnection: true }),
      limitsOf: () => limits,
    }),
  );
  const id = 'pr-octocat/Hello-World-42';
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => instances[i % 5]!.touch('merge-warden', id, `d-${i}`, later(i))));

  const byGeneration = new Map<number, number[]>();
  for (const { session } of results) byGeneration.set(session.generation, [...(byGeneration.get(session.generation) ?? []), session.index]);
  assert.deepEqual(
    [...byGeneration.entries()].sort(([a], [b]) => a - b).map(([generation, indexes]) => [generation, indexes.sort((a, b) => a - b)]),
    Array.from({ length: 8 }, (_, g) => [g + 1, Array.from({ length: g < 7 ? 7 : 1 }, (_, i) => i + 1)]),
  );
  const closes = results.flatMap((result) => (result.closed === null ? [] : [result.closed]));
  assert.deepEqual(
    closes
      .map(({ generation, reason, messageCount }) => ({ generation, reason, messageCount }))
      .sort((a, b) => a.generation - b.generation),
    Array.from({ length: 7 }, (_, g) => ({ generation: g + 1, reason: 'maxMessagesPerSession', messageCount: 7 })),
  );
  // Each close came with the message that opened the next generation.
  for (const result of results) assert.equal(result.closed !== null, result.session.isNew && result.session.generation > 1);
  const record = await instances[0]!.get('merge-warden', id);
  assert.deepEqual([record?.generation, record?.messageCount, record?.state], [8, 1, 'active']);
});

test('limits at once: a message after maxSessionDuration or after sessionTimeout of quiet opens the next generation', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const limits = limited({ maxSessionDuration: 'PT1H', sessionTimeout: 'PT15M' });
  const store = createTableSessionStore({ tableClient, limitsOf: (bot) => (bot === 'merge-warden' ? limits : undefined) });
  const id = 'pr-octocat/Hello-World-8';
  const minutes = (m: number) => later(m * 60_000);
  for (let m = 0; m <= 60; m += 10)
    assert.equal((await store.touch('merge-warden', id, `d-${m}`, minutes(m))).session.generation, 1, `minute ${m}`);
  const late = await store.touch('merge-warden', id, 'd-61', minutes(61));
  assert.deepEqual(late, {
    session: { id, generation: 2, index: 1, isNew: true },
    closed: {
      generation: 1,
      reason: 'maxSessionDuration',
      messageCount: 7,
      openedAt: minutes(0),
      lastActivityAt: minutes(60),
      closedAt: minutes(61),
    },
  });
  // A redelivery of the message that closed generation 1 reports the same close again, here and from the table.
  assert.deepEqual(await store.touch('merge-warden', id, 'd-61', minutes(62)), late);
  assert.deepEqual(
    await createTableSessionStore({ tableClient, limitsOf: () => limits }).touch('merge-warden', id, 'd-61', minutes(62)),
    late,
  );

  assert.equal((await store.touch('merge-warden', id, 'd-70', minutes(70))).closed, null);
  const quiet = await store.touch('merge-warden', id, 'd-86', minutes(86));
  assert.deepEqual(quiet.session, { id, generation: 3, index: 1, isNew: true });
  assert.deepEqual([quiet.closed?.generation, quiet.closed?.reason, quiet.closed?.messageCount], [2, 'sessionTimeout', 2]);
  // A bot without limits in the store only gets the janitor's.
  for (let m = 0; m < 10; m++) await store.touch('spec-sentinel', id, `s-${m}`, minutes(m * 100));
  assert.deepEqual([(await store.get('spec-sentinel', id))?.generation, (await store.get('spec-sentinel', id))?.messageCount], [1, 10]);
});

test('the table is created once per process, not per bot, and again if it is deleted while the app runs', async () => {
  const { tableClient, log } = await freshSessionsTable(azurite.connectionString);
  await tableClient.deleteTable();
  const store = createTableSessionStore({ tableClient });
  const mark = log.length;
  await Promise.all(['merge-warden', 'task-tactician', 'spec-sentinel'].map((bot) => store.touch(bot, 'pr-o/r-1', 'd-1', t0)));
  const requests = log.slice(mark);
  assert.equal(requests.filter((r) => r.kind === 'table').length, 1, 'one create of the table');
  assert.deepEqual(
    requests.filter((r) => r.kind === 'write').map((r) => r.status),
    [204, 204, 204],
    'no insert failed for want of the table',
  );

  await tableClient.deleteTable();
  assert.equal((await store.touch('merge-warden', 'pr-o/r-2', 'd-1', t0)).session.index, 1);
  assert.equal((await store.touch('merge-warden', 'pr-o/r-1', 'd-2', t0)).session.index, 1, 'the remembered record went with the table');
  assert.equal((await store.get('merge-warden', 'pr-o/r-2'))?.messageCount, 1);
});

test('a close guarded by a stale read leaves the session open; an operator close does not need one', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'branch-octocat/Hello-World-main';
  await store.touch('task-tactician', id, 'd-1', t0);
  const seenByJanitor = (await store.get('task-tactician', id))!;
  await store.touch('task-tactician', id, 'd-2', later(1_000));

  assert.deepEqual(await store.close('task-tactician', id, 'sessionTimeout', later(2_000), { expected: seenByJanitor }), {
    outcome: 'changed',
  });
  assert.equal((await store.get('task-tactician', id))?.state, 'active');

  const closed = await store.close('task-tactician', id, 'manual', later(3_000));
  assert.equal(closed.outcome, 'closed');
  const record = await store.get('task-tactician', id);
  assert.equal(record?.state, 'closed');
  assert.equal(record?.closeReason, 'manual');
  assert.deepEqual(record?.closedAt, later(3_000));
  assert.equal((await store.close('task-tactician', id, 'manual', later(4_000))).outcome, 'alreadyClosed');
  assert.equal((await store.close('task-tactician', 'pr-nobody/none-1', 'manual')).outcome, 'notFound');

  // Reopening drops the close fields of the previous generation.
  await store.touch('task-tactician', id, 'd-3', later(5_000));
  const reopened = await store.get('task-tactician', id);
  assert.equal(reopened?.generation, 2);
  assert.equal(reopened?.closedAt, undefined);
  assert.equal(reopened?.closeReason, undefined);
});

test('closed records are purged after the retention, active and recent ones are kept', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  for (const id of ['old', 'recent', 'open']) await store.touch('merge-warden', id, 'd-1', t0);
  await store.close('merge-warden', 'old', 'sessionTimeout', later(1_000));
  await store.close('merge-warden', 'recent', 'sessionTimeout', later(60_000));

  assert.deepEqual(await store.purgeClosed('merge-warden', later(30_000)), ['old']);
  assert.deepEqual((await store.list('merge-warden')).map((r) => r.sessionId).sort(), ['open', 'recent']);
  assert.deepEqual(
    (await store.list('merge-warden', { state: 'closed' })).map((r) => r.sessionId),
    ['recent'],
  );
  assert.deepEqual(await store.purgeClosed('merge-warden', later(30_000)), []);
});

test('nasty session ids round-trip through real Table keys', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const ids = [
    'pr-a/b-1',
    'branch-o/r-feat/x#1?y=2\\z',
    "user-o/r-it's%20~me",
    'tab\there\u0000nul\u001f\u007f\u009f',
    'emoji-😀🚀-\u00e9\u4e2d',
    'lone-\ud800-surrogate',
    'x'.repeat(127) + '/',
    '/'.repeat(128),
    '😀'.repeat(64),
    '中'.repeat(128),
    '\u0085'.repeat(128),
  ];
  for (const id of ids) {
    assert.deepEqual((await store.touch('merge-warden', id, 'd-1', t0)).session, { id, generation: 1, index: 1, isNew: true }, id);
    assert.equal((await store.touch('merge-warden', id, 'd-2', t0)).session.index, 2, id);
    assert.equal((await store.get('merge-warden', id))?.sessionId, id);
  }
  const listed = await store.list('merge-warden');
  assert.deepEqual(listed.map((r) => r.sessionId).sort(), [...ids].sort());
  // The raw id is a property; the key is the encoding.
  const raw = await tableClient.getEntity<{ sessionId: string }>('merge-warden', encodeRowKey(ids[1]!));
  assert.equal(raw.sessionId, ids[1]);
});

test('bad input is refused with the name of what is wrong', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  await assert.rejects(store.touch('merge-warden', '', 'd-1', t0), /non-empty sessionId/);
  await assert.rejects(store.touch('merge-warden', 'pr-a/b-1', '', t0), /non-empty messageId/);
  // A long id is not bad input (issue 11 item 6): it gets a hashed RowKey and is stored.
  assert.equal((await store.touch('merge-warden', '/'.repeat(200), 'd-1', t0)).session.index, 1);
});

test('a table that does not exist yet reads as empty and is created by the first message', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  await tableClient.deleteTable();
  const store = createTableSessionStore({ tableClient });
  assert.deepEqual(await store.list('merge-warden'), []);
  assert.deepEqual(await store.purgeClosed('merge-warden', t0), []);
  assert.equal(await store.get('merge-warden', 'pr-o/r-1'), undefined);
  assert.equal((await store.touch('merge-warden', 'pr-o/r-1', 'd-1', t0)).session.index, 1);
  assert.equal((await store.get('merge-warden', 'pr-o/r-1'))?.messageCount, 1);
});

test('a message arriving as the janitor purges its closed record is counted, not failed', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const janitor = createTableSessionStore({ tableClient });
  const id = 'pr-octocat/Hello-World-9';
  await janitor.touch('merge-warden', id, 'd-1', t0);
  await janitor.close('merge-warden', id, 'sessionTimeout', later(1_000));

  // The purge lands between the touch's read (closed: reopen it) and its write.
  let purged: string[] | undefined;
  const racing = new Proxy(tableClient, {
    get(target, property) {
      if (property === 'updateEntity' && purged === undefined) {
        return async (...args: Parameters<typeof target.updateEntity>) => {
          purged = await janitor.purgeClosed('merge-warden', later(2_000));
          return target.updateEntity(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const store = createTableSessionStore({ tableClient: racing });
  assert.deepEqual((await store.touch('merge-warden', id, 'd-2', later(3_000))).session, { id, generation: 1, index: 1, isNew: true });
  assert.deepEqual(purged, [id], 'the race happened');
  assert.equal((await store.get('merge-warden', id))?.lastMessageId, 'd-2');
});
