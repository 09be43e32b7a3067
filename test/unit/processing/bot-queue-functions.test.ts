import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { botsFileSchema } from '../../../src/bots/bot-config-schema.js';
import { defineBotQueueFunctions } from '../../../src/processing/bot-queue-functions.js';

it('defines one session-enabled queue trigger per shipped bot (none has strategy none), each with its own handler', () => {
  const { bots } = botsFileSchema.parse(JSON.parse(readFileSync(new URL('../../../../src/bots/bots.json', import.meta.url), 'utf8')));
  const made: string[] = [];
  const definitions = defineBotQueueFunctions(bots, (bot) => {
    made.push(bot.name);
    return { handle: async () => undefined, handleBatch: async () => undefined };
  });
  assert.deepEqual(
    definitions.map(({ handler: _h, ...rest }) => rest),
    bots.map((bot) => ({
      kind: 'serviceBusQueue',
      name: `bot-${bot.name}`,
      queueName: bot.queue,
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
      cardinality: 'one',
    })),
  );
  assert.deepEqual(
    made,
    bots.map((b) => b.name),
  );
  assert.equal(new Set(definitions.map((d) => d.handler)).size, bots.length);
});

it('defines a trigger without sessions for a bot with strategy none', () => {
  const { bots } = botsFileSchema.parse({
    bots: [
      { name: 'ordered', queue: 'bot-ordered', events: ['push'], strategy: { type: 'repository' } },
      { name: 'unordered', queue: 'bot-unordered', events: ['push'], strategy: { type: 'none' } },
    ],
  });
  const definitions = defineBotQueueFunctions(bots, () => ({ handle: async () => undefined, handleBatch: async () => undefined }));
  assert.deepEqual(
    definitions.map((d) => [d.name, d.isSessionsEnabled]),
    [
      ['bot-ordered', true],
      ['bot-unordered', false],
    ],
  );
});

it('a bot with cardinality "many" gets a batch trigger and its pipeline\'s batch handler; "one" (the default) the single one', () => {
  const { bots } = botsFileSchema.parse({
    bots: [
      { name: 'batched', queue: 'bot-batched', events: ['push'], cardinality: 'many' },
      { name: 'single', queue: 'bot-single', events: ['push'] },
      { name: 'unordered', queue: 'bot-unordered', events: ['push'], strategy: { type: 'none' }, cardinality: 'many' },
    ],
  });
  const handlers = new Map(bots.map((bot) => [bot.name, { handle: async () => undefined, handleBatch: async () => undefined }]));
  const definitions = defineBotQueueFunctions(bots, (bot) => handlers.get(bot.name)!);
  assert.deepEqual(
    definitions.map((d) => [d.name, d.cardinality, d.isSessionsEnabled]),
    [
      ['bot-batched', 'many', true],
      ['bot-single', 'one', true],
      ['bot-unordered', 'many', false],
    ],
  );
  assert.equal(definitions[0]!.handler, handlers.get('batched')!.handleBatch);
  assert.equal(definitions[1]!.handler, handlers.get('single')!.handle);
});
