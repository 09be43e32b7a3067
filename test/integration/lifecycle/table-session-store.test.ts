import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAzurite, type RunningAzurite } from '../../../src/local/start-azurite.js';
import { encodeRowKey } from '../../../src/lifecycle/encode-row-key.js';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';
import { freshSessionsTable } from '../../support/sessions-table.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite.stop();
});

const t0 = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

test('messages of a session are numbered 1, 2, 3 in one generation, at one read and one write each', async () => {
  const { tableClient, requests } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'pr-octocat/Hello-World-123';

  const before = requests();
  assert.deepEqual(await store.touch('merge-warden', id, 'd-1', t0), { id, generation: 1, index: 1, isNew: true });
  assert.equal(requests() - before, 2, 'first message: read (404) + create');

  const second = requests();
  assert.deepEqual(await store.touch('merge-warden', id, 'd-2', later(1_000)), { id, generation: 1, index: 2, isNew: false });
  assert.equal(requests() - second, 2, 'next message: read + merge');
  assert.deepEqual(await store.touch('merge-warden', id, 'd-3', later(2_000)), { id, generation: 1, index: 3, isNew: false });

  const record = await store.get('merge-warden', id);
  assert.equal(record?.messageCount, 3);
  assert.equal(record?.lastMessageId, 'd-3');
  assert.equal(record?.state, 'active');
  assert.deepEqual(record?.openedAt, t0);
  assert.deepEqual(record?.lastActivityAt, later(2_000));
  // The same id under another bot is another record.
  assert.equal((await store.touch('task-tactician', id, 'd-1', t0)).index, 1);
});

test('a redelivered message gets the index it had and is not counted twice, at one read', async () => {
  const { tableClient, requests } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'issue-octocat/Hello-World-7';
  await store.touch('task-tactician', id, 'd-1', t0);
  const first = await store.touch('task-tactician', id, 'd-2', later(1));

  const before = requests();
  assert.deepEqual(await store.touch('task-tactician', id, 'd-2', later(5_000)), first);
  assert.equal(requests() - before, 1, 'a redelivery only reads');
  assert.equal((await store.get('task-tactician', id))?.messageCount, 2);

  // Even after the janitor closed the session, the redelivery keeps its place...
  await store.close('task-tactician', id, 'sessionTimeout', later(10_000));
  assert.deepEqual(await store.touch('task-tactician', id, 'd-2', later(11_000)), first);
  // ...and the next new message opens generation 2.
  assert.deepEqual(await store.touch('task-tactician', id, 'd-3', later(12_000)), { id, generation: 2, index: 1, isNew: true });
});

test('50 concurrent touches of one session each count once: indexes 1..50, count 50', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'repo-octocat/Hello-World';
  const contexts = await Promise.all(
    Array.from({ length: 50 }, (_, i) => store.touch('spec-sentinel', id, `d-${i}`, later(i))),
  );
  assert.deepEqual(contexts.map((c) => c.index).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.equal(contexts.filter((c) => c.isNew).length, 1, 'exactly one touch opened the session');
  assert.ok(contexts.every((c) => c.generation === 1));
  assert.equal((await store.get('spec-sentinel', id))?.messageCount, 50);
});

test('a close guarded by a stale read leaves the session open; an operator close does not need one', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const id = 'branch-octocat/Hello-World-main';
  await store.touch('task-tactician', id, 'd-1', t0);
  const seenByJanitor = (await store.get('task-tactician', id))!;
  await store.touch('task-tactician', id, 'd-2', later(1_000));

  assert.deepEqual(await store.close('task-tactician', id, 'sessionTimeout', later(2_000), { expected: seenByJanitor }), { outcome: 'changed' });
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
  assert.deepEqual((await store.list('merge-warden', { state: 'closed' })).map((r) => r.sessionId), ['recent']);
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
    assert.deepEqual(await store.touch('merge-warden', id, 'd-1', t0), { id, generation: 1, index: 1, isNew: true }, id);
    assert.equal((await store.touch('merge-warden', id, 'd-2', t0)).index, 2, id);
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
  assert.equal((await store.touch('merge-warden', '/'.repeat(200), 'd-1', t0)).index, 1);
});

test('a table that does not exist yet reads as empty and is created by the first message', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  await tableClient.deleteTable();
  const store = createTableSessionStore({ tableClient });
  assert.deepEqual(await store.list('merge-warden'), []);
  assert.deepEqual(await store.purgeClosed('merge-warden', t0), []);
  assert.equal(await store.get('merge-warden', 'pr-o/r-1'), undefined);
  assert.equal((await store.touch('merge-warden', 'pr-o/r-1', 'd-1', t0)).index, 1);
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
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const store = createTableSessionStore({ tableClient: racing });
  assert.deepEqual(await store.touch('merge-warden', id, 'd-2', later(3_000)), { id, generation: 1, index: 1, isNew: true });
  assert.deepEqual(purged, [id], 'the race happened');
  assert.equal((await store.get('merge-warden', id))?.lastMessageId, 'd-2');
});
