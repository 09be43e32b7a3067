import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings } from '../../../src/config/settings.js';

test('table and container names default when unset or empty, as in local.settings.sample.json', () => {
  for (const env of [{}, { SESSIONS_TABLE: '', POISON_TABLE: ' ', CLAIM_CHECK_CONTAINER: '' }]) {
    const settings = readSettings(env);
    assert.equal(settings.SESSIONS_TABLE, 'sessions');
    assert.equal(settings.POISON_TABLE, 'poisonmessages');
    assert.equal(settings.CLAIM_CHECK_CONTAINER, 'webhook-payloads');
  }
  const custom = readSettings({ SESSIONS_TABLE: 'botSessions2', CLAIM_CHECK_CONTAINER: 'gh-payloads' });
  assert.equal(custom.SESSIONS_TABLE, 'botSessions2');
  assert.equal(custom.CLAIM_CHECK_CONTAINER, 'gh-payloads');
});

test('a table or container name Storage would refuse stops start-up naming the setting and the value', () => {
  for (const [name, value] of [
    ['SESSIONS_TABLE', 'my-sessions'],
    ['POISON_TABLE', '1poison'],
    ['SESSIONS_TABLE', 'ab'],
    ['CLAIM_CHECK_CONTAINER', 'Webhook_Payloads'],
    ['CLAIM_CHECK_CONTAINER', 'webhook--payloads'],
    ['CLAIM_CHECK_CONTAINER', '-payloads'],
  ] as const) {
    assert.throws(
      () => readSettings({ [name]: value }),
      (error: Error) => error.message.includes(`${name}: must be a `) && error.message.includes(`got "${value}"`),
      `${name}=${value}`,
    );
  }
});
