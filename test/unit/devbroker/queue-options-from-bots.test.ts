import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { botsFileSchema } from '../../../src/bots/bot-config-schema.js';
import { queueOptionsFromBots } from '../../../tools/dev-broker/queue-options-from-bots.js';

test('every bot in bots.json gets a session queue with its delivery settings', () => {
  const file = botsFileSchema.parse(JSON.parse(readFileSync('src/bots/bots.json', 'utf8')));
  const queues = queueOptionsFromBots(file.bots);
  assert.deepEqual(
    queues.map((q) => q.name),
    file.bots.map((b) => b.queue),
  );
  assert.ok(queues.every((q) => q.requiresSession === true && q.requiresDuplicateDetection === true));
});

test("maxDeliveryCount, lockDuration and duplicateDetectionWindow come from the bot's delivery block", () => {
  const file = botsFileSchema.parse({
    bots: [
      {
        name: 'a-bot',
        queue: 'bot-a',
        events: ['push'],
        delivery: { maxDeliveryCount: 3, lockDuration: 'PT30S', duplicateDetectionWindow: 'PT10M' },
      },
      { name: 'b-bot', queue: 'bot-b', events: ['push'] },
    ],
  });
  const [custom, defaults] = queueOptionsFromBots(file.bots);
  assert.deepEqual(custom, {
    name: 'bot-a',
    requiresSession: true,
    maxDeliveryCount: 3,
    lockDurationMs: 30_000,
    requiresDuplicateDetection: true,
    duplicateDetectionWindowMs: 600_000,
  });
  assert.equal(defaults!.maxDeliveryCount, 10);
  assert.equal(defaults!.lockDurationMs, 60_000);
  assert.equal(defaults!.duplicateDetectionWindowMs, 3 * 86_400_000);
});

test('a bot with strategy none gets a plain queue, without sessions', () => {
  const { bots } = botsFileSchema.parse({
    bots: [
      { name: 'ordered', queue: 'bot-ordered', events: ['push'] },
      { name: 'unordered', queue: 'bot-unordered', events: ['push'], strategy: { type: 'none' } },
    ],
  });
  assert.deepEqual(
    queueOptionsFromBots(bots).map((q) => [q.name, q.requiresSession]),
    [
      ['bot-ordered', true],
      ['bot-unordered', false],
    ],
  );
});
