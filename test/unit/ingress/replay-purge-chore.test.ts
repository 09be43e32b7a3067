import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReplayPurgeChore } from '../../../src/ingress/replay-purge-chore.js';

test('the replay purge runs on the first janitor run, then at most once per interval', async () => {
  const runs: Date[] = [];
  const chore = createReplayPurgeChore(async (at) => {
    runs.push(at);
    return { deleted: 7, more: false };
  }, 60_000);
  const t0 = new Date('2026-11-29T10:00:00Z');
  assert.match(await chore.run(t0), /deleted 7/);
  assert.equal(await chore.run(new Date(t0.getTime() + 59_000)), 'not due');
  assert.match(await chore.run(new Date(t0.getTime() + 60_000)), /deleted 7/);
  assert.deepEqual(
    runs.map((d) => d.getTime() - t0.getTime()),
    [0, 60_000],
  );
});
