import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings, webhookSecrets, webhookSecretWarnings } from '../../../src/config/settings.js';

test('an unresolved Key Vault reference is no secret, so the webhook fails closed', () => {
  const unresolved = '@Microsoft.KeyVault(SecretUri=https://kv-sessrouter-abc.vault.azure.net/secrets/github-webhook-secret)';
  assert.deepEqual(webhookSecrets(readSettings({ GITHUB_WEBHOOK_SECRET: unresolved })), []);
  assert.deepEqual(
    webhookSecrets(readSettings({ GITHUB_WEBHOOK_SECRET: 'resolved-value', GITHUB_WEBHOOK_SECRET_PREVIOUS: unresolved.toLowerCase() })),
    ['resolved-value'],
  );
});

test('rotation fails closed: without a current secret the previous one verifies nothing', () => {
  const previous = 'previous-secret';
  for (const current of [undefined, '', '   ', '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)']) {
    const env: Record<string, string> = { GITHUB_WEBHOOK_SECRET_PREVIOUS: previous };
    if (current !== undefined) env['GITHUB_WEBHOOK_SECRET'] = current;
    const settings = readSettings(env);
    assert.deepEqual(webhookSecrets(settings), [], JSON.stringify(current));
    assert.match(webhookSecretWarnings(settings).join('\n'), /GITHUB_WEBHOOK_SECRET is not set but GITHUB_WEBHOOK_SECRET_PREVIOUS is/);
  }
  assert.deepEqual(webhookSecrets(readSettings({ GITHUB_WEBHOOK_SECRET: 'current', GITHUB_WEBHOOK_SECRET_PREVIOUS: previous })), [
    'current',
    previous,
  ]);
});

test('a secret is used exactly as typed, surrounding whitespace included, with a start-up warning', () => {
  const settings = readSettings({ GITHUB_WEBHOOK_SECRET: 'typed with a trailing space ' });
  assert.deepEqual(webhookSecrets(settings), ['typed with a trailing space ']);
  const warnings = webhookSecretWarnings(settings);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /GITHUB_WEBHOOK_SECRET begins or ends with whitespace/);
  assert.doesNotMatch(warnings[0]!, /typed with/, 'the warning never shows the secret');
  assert.deepEqual(webhookSecretWarnings(readSettings({ GITHUB_WEBHOOK_SECRET: 'clean' })), []);
});
