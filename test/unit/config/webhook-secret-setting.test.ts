import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings, webhookSecrets } from '../../../src/config/settings.js';

test('an unresolved Key Vault reference is no secret, so the webhook fails closed', () => {
  const unresolved = '@Microsoft.KeyVault(SecretUri=https://kv-sessrouter-abc.vault.azure.net/secrets/github-webhook-secret)';
  assert.deepEqual(webhookSecrets(readSettings({ GITHUB_WEBHOOK_SECRET: unresolved })), []);
  assert.deepEqual(
    webhookSecrets(readSettings({ GITHUB_WEBHOOK_SECRET: ' resolved-value ', GITHUB_WEBHOOK_SECRET_PREVIOUS: unresolved.toLowerCase() })),
    ['resolved-value'],
  );
});
