import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createApp } from '../../../src/app/create-app.js';
import { readSettings } from '../../../src/config/settings.js';
import { createApplicationInsightsTelemetry, type AppInsightsClient } from '../../../src/telemetry/application-insights-telemetry.js';
import { createTelemetry } from '../../../src/telemetry/create-telemetry.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';

test('events, metrics and exceptions reach Application Insights with string dimensions and no undefined ones; flush flushes', async () => {
  const calls: unknown[] = [];
  const client: AppInsightsClient = {
    trackEvent: (t) => void calls.push(['event', t]),
    trackMetric: (t) => void calls.push(['metric', t]),
    trackException: (t) => void calls.push(['exception', t]),
    flush: async () => void calls.push(['flush']),
  };
  const telemetry = createApplicationInsightsTelemetry(client);
  telemetry.trackEvent('WebhookRouted', { bot: 'merge-warden', attempts: 2, skipped: undefined });
  telemetry.trackMetric('WebhookSendLatencyMs', 12.5, { queue: 'bot-merge-warden' });
  telemetry.trackException('not an Error', { deliveryId: 'd1' });
  assert.deepEqual(calls[0], ['event', { name: 'WebhookRouted', properties: { bot: 'merge-warden', attempts: '2' } }]);
  assert.deepEqual(calls[1], ['metric', { name: 'WebhookSendLatencyMs', value: 12.5, properties: { queue: 'bot-merge-warden' } }]);
  const [, exception] = calls[2] as [string, { exception: Error; properties: Record<string, string> }];
  assert.ok(exception.exception instanceof Error);
  assert.equal(exception.exception.message, 'not an Error');
  await telemetry.flush?.();
  assert.deepEqual(calls[3], ['flush']);
});

test('without APPLICATIONINSIGHTS_CONNECTION_STRING nothing is started, and the SDK is not even loaded (it takes seconds to import)', async () => {
  assert.equal(createTelemetry(readSettings({})), noTelemetry);
  // The whole app, built as the Functions host builds it; nothing listens on these.
  const app = createApp({
    env: {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
      GITHUB_WEBHOOK_SECRET: 'test-secret',
    },
  });
  await app.close();
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) =>
    /[\\/]node_modules[\\/]applicationinsights[\\/]/.test(file),
  );
  assert.deepEqual(loaded, []);
});
