import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createApp } from '../../../src/app/create-app.js';
import { readSettings } from '../../../src/config/settings.js';
import { readRedeliveryConfig } from '../../../src/redelivery/read-redelivery-config.js';
import { defineRedeliveryFunction, REDELIVERY_FUNCTION_NAME } from '../../../src/redelivery/redelivery-function.js';
import { quietContext, timerTick } from '../../support/functions-context.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

// Nothing listens on these: creating the app must not connect to anything.
const offlineEnv = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  GITHUB_WEBHOOK_SECRET: 'test-secret',
};
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

test('the redelivery timer is part of the app only when GitHub credentials are configured, on REDELIVERY_SCHEDULE', async () => {
  const off = createApp({ env: offlineEnv });
  const on = createApp({ env: { ...offlineEnv, GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY: pem, REDELIVERY_SCHEDULE: '0 */3 * * * *' } });
  try {
    assert.equal(
      off.definitions.some((d) => d.name === REDELIVERY_FUNCTION_NAME),
      false,
    );
    const timer = on.definitions.find((d) => d.name === REDELIVERY_FUNCTION_NAME);
    assert.deepEqual(timer && timer.kind === 'timer' && [timer.schedule, timer.runOnStartup], ['0 */3 * * * *', false]);
  } finally {
    await off.close();
    await on.close();
  }
});

test('a key App Service could not resolve fails each run naming the setting, and asks GitHub nothing', async () => {
  const config = readRedeliveryConfig(
    readSettings({
      GITHUB_APP_ID: '7',
      GITHUB_APP_PRIVATE_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/github-app-key/)',
      GITHUB_API_URL: 'http://127.0.0.1:9',
    }),
  )!;
  const timer = defineRedeliveryFunction({ config, telemetry: recordingTelemetry() });
  await assert.rejects(
    () => timer.handler(timerTick(new Date()), quietContext('webhook-redelivery').context),
    /GITHUB_APP_PRIVATE_KEY is still a Key Vault reference.*Key Vault Secrets User/,
  );
});
