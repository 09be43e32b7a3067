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
    return async () => undefined;
  });
  assert.deepEqual(
    definitions.map(({ handler: _h, ...rest }) => rest),
    bots.map((bot) => ({
      kind: 'serviceBusQueue',
      name: `bot-${bot.name}`,
      queueName: bot.queue,
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
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
  const definitions = defineBotQueueFunctions(bots, () => async () => undefined);
  assert.deepEqual(
    definitions.map((d) => [d.name, d.isSessionsEnabled]),
    [
      ['bot-ordered', true],
      ['bot-unordered', false],
    ],
  );
});
