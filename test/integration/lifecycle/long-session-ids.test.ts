import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';
import { freshSessionsTable } from '../../support/sessions-table.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const t0 = new Date('2026-03-01T10:00:00Z');

/** A branch name of up to 255 UTF-8 bytes (git's and GitHub's ref limit), from any text. */
const branchName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 255 }).map((text) => {
  let name = text;
  while (Buffer.byteLength(name) > 255) name = [...name].slice(0, -1).join('');
  return name || 'x';
});
const sessionIdLike = fc.oneof(
  branchName.map((name) => `branch-octo-org/repo-${name}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
  fc.constantFrom('/'.repeat(200), '日本語/'.repeat(60), '🎉'.repeat(200), 'a'.repeat(600), `${'~'.repeat(180)}é`),
);

test('item 6 (property, Azurite): any id GitHub can produce, long or non-ASCII, is stored and read back with its raw id', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(sessionIdLike, async (id) => {
      const { session: first } = await store.touch('merge-warden', id, 'd-1', t0);
      assert.equal(first.id, id);
      const record = await store.get('merge-warden', id);
      assert.equal(record?.sessionId, id);
      assert.equal(record?.messageCount, seen.has(id) ? record.messageCount : 1);
      seen.add(id);
    }),
    { numRuns: 60 },
  );
  const listed = new Set((await store.list('merge-warden')).map((record) => record.sessionId));
  for (const id of seen) assert.ok(listed.has(id), `listed: ${JSON.stringify(id).slice(0, 80)}`);
});
