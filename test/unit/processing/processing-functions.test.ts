import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { loadBots } from '../../../src/bots/load-bots.js';
import { createProcessingFunctions } from '../../../src/processing/processing-functions.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { memorySessions } from '../../support/processing/fakes.js';

// Nothing is called at composition time: a client for an address nobody listens on is enough.
const deps = {
  settings: { JOURNAL_PATH: '.data/journal.jsonl', POISON_TABLE: 'poisonmessages' },
  env: {},
  table: (name: string) => new TableClient('http://127.0.0.1:9/devstoreaccount1', name, { allowInsecureConnection: true }),
  claimCheck: { resolve: async () => ({}) },
  sessions: memorySessions(),
  telemetry: noTelemetry,
};

it('composes a queue function per shipped bot and the poison endpoints', () => {
  const { bots } = loadBots();
  const names = createProcessingFunctions({ ...deps, bots }).map((d) => `${d.kind}:${d.name}`);
  assert.deepEqual(names, [...bots.map((b) => `serviceBusQueue:bot-${b.name}`), 'http:poison-list', 'http:poison-get']);
});

it('stops composition, naming the setting, when an http bot lacks its secret', () => {
  const bot = botDefinitionSchema.parse({
    name: 'probot-app', queue: 'bot-probot-app', events: ['*'],
    target: { type: 'http', url: 'https://bot.example/webhooks', secretSetting: 'PROBOT_APP_SECRET' },
  });
  assert.throws(() => createProcessingFunctions({ ...deps, bots: [bot] }), /PROBOT_APP_SECRET/);
});
