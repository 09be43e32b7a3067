import { test } from 'node:test';
import assert from 'node:assert/strict';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { batchLockNotes, batchRetryBudgetMs } from '../../../src/bots/fit-retries-in-batch-lock.js';

const bot = (json: Record<string, unknown>) =>
  botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], ...json });
const http = { type: 'http', url: 'https://bots.example/merge-warden', timeoutMs: 10_000 };

test('a batch retries in place at most lockDuration minus the last attempt (http timeoutMs) and a margin; never below zero', () => {
  // Defaults: lockDuration PT1M, maxRetryDuration PT4M: 60 - 10 - 5 = 45 s.
  assert.equal(batchRetryBudgetMs(bot({ cardinality: 'many', target: http })), 45_000);
  assert.equal(batchRetryBudgetMs(bot({ cardinality: 'many' })), 55_000, 'journal target: no last-attempt timeout');
  assert.equal(
    batchRetryBudgetMs(bot({ cardinality: 'many', delivery: { maxRetryDuration: 'PT20S' } })),
    20_000,
    'a budget within the lock is kept',
  );
  // A short lock: a quarter of it as the margin; an http timeout longer than the lock leaves no retry in place.
  assert.equal(batchRetryBudgetMs(bot({ cardinality: 'many', delivery: { lockDuration: 'PT8S' } })), 6_000);
  assert.equal(batchRetryBudgetMs(bot({ cardinality: 'many', target: http, delivery: { lockDuration: 'PT5S' } })), 0);
});

test('start-up notes name each batch bot whose retries the lock cuts (maxRetryDuration + http timeoutMs + margin past lockDuration), the fields and what happens', () => {
  const notes = batchLockNotes([
    bot({ name: 'batched-http', cardinality: 'many', target: http }),
    bot({ name: 'batched-short', cardinality: 'many', target: http, delivery: { lockDuration: 'PT5S', maxRetryDuration: 'PT0S' } }),
    bot({ name: 'batched-fits', cardinality: 'many', delivery: { maxRetryDuration: 'PT30S' } }),
    // Below the lock but not by the margin: cut to 55 s, so named too.
    bot({ name: 'batched-margin', cardinality: 'many', delivery: { maxRetryDuration: 'PT57S' } }),
    bot({ name: 'one-at-a-time', target: http }),
  ]);
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.match(
    notes[0]!,
    /^bot "batched-http" \(cardinality "many"\): delivery\.maxRetryDuration PT4M plus target\.timeoutMs 10000 ms plus a 5 s margin does not fit delivery\.lockDuration PT1M\. .*never renews its session lock .*at most 45 s .*hands the batch back/,
  );
  assert.match(
    notes[1]!,
    /^bot "batched-short" .*PT0S plus target\.timeoutMs 10000 ms plus a 1\.25 s margin does not fit delivery\.lockDuration PT5S.*at most 0 s .*that is not at all/,
  );
  assert.match(
    notes[2]!,
    /^bot "batched-margin" .*PT57S plus a 5 s margin does not fit delivery\.lockDuration PT1M\. .*at most 55 s \(lockDuration minus the margin\)/,
  );
});
