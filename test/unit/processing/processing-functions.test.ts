import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { loadBots } from '../../../src/bots/load-bots.js';
import { createProcessingFunctions } from '../../../src/processing/processing-functions.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';

// Nothing is called at composition time: a client for an address nobody listens on is enough.
const deps = {
  settings: { JOURNAL_PATH: '.data/journal.jsonl', POISON_TABLE: 'poisonmessages', HELD_TABLE: 'heldmessages' },
  env: {},
  table: (name: string) => new TableClient('http://127.0.0.1:9/devstoreaccount1', name, { allowInsecureConnection: true }),
  claimCheck: { resolve: async () => ({}) },
  sessions: createTableSessionStore({
    tableClient: new TableClient('http://127.0.0.1:9/devstoreaccount1', 'sessions', { allowInsecureConnection: true }),
  }),
  telemetry: noTelemetry,
};

it('composes a queue function per shipped bot, the poison and the held-session endpoints', () => {
  const { bots } = loadBots();
  const names = createProcessingFunctions({ ...deps, bots }).map((d) => `${d.kind}:${d.name}`);
  assert.deepEqual(names, [
    ...bots.map((b) => `serviceBusQueue:bot-${b.name}`),
    'http:poison-list',
    'http:poison-get',
    'http:held-list',
    'http:held-get',
    'http:held-resume',
  ]);
});

it('stops composition, naming the setting, when an http bot lacks its secret', () => {
  const bot = botDefinitionSchema.parse({
    name: 'probot-app',
    queue: 'bot-probot-app',
    events: ['*'],
    target: { type: 'http', url: 'https://bot.example/webhooks', secretSetting: 'PROBOT_APP_SECRET' },
  });
  assert.throws(() => createProcessingFunctions({ ...deps, bots: [bot] }), /PROBOT_APP_SECRET/);
});
