import { test } from 'node:test';
import assert from 'node:assert/strict';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { readSettings } from '../../../src/config/settings.js';
import { createLifecycleFunctions } from '../../../src/lifecycle/lifecycle-functions.js';
import type { SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';

const bots = [botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'] })];
const unusedStore = {} as SessionStore;

test('settings choose the janitor schedule; the admin routes come along', () => {
  const settings = readSettings({ JANITOR_SCHEDULE: '0 */5 * * * *' });
  const definitions = createLifecycleFunctions({ bots, settings, store: unusedStore, telemetry: noTelemetry });
  assert.deepEqual(
    definitions.map((d) => [d.kind, d.name]),
    [
      ['timer', 'session-janitor'],
      ['http', 'sessions-list'],
      ['http', 'sessions-get'],
      ['http', 'sessions-close'],
    ],
  );
  assert.equal(definitions[0]?.kind === 'timer' && definitions[0].schedule, '0 */5 * * * *');
  assert.equal(readSettings({}).JANITOR_SCHEDULE, '0 */1 * * * *', 'every minute by default');
});

test('a five-field cron in JANITOR_SCHEDULE stops start-up with the setting name', () => {
  assert.throws(() => readSettings({ JANITOR_SCHEDULE: '*/5 * * * *' }), /JANITOR_SCHEDULE: must be a six-field NCRONTAB expression/);
});
