import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../src/app/create-app.js';
import { defineWebhookFunction } from '../../../src/ingress/define-webhook-function.js';

test('the webhook is POST /api/github/webhooks, anonymous (GitHub authenticates with the HMAC)', () => {
  const handler = async () => ({ status: 202 });
  assert.deepEqual(defineWebhookFunction(handler), {
    kind: 'http',
    name: 'github-webhook',
    route: 'github/webhooks',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler,
  });
});

test('the app refuses to start without a Service Bus or a storage connection, naming the settings', () => {
  assert.throws(() => createApp({ env: { AzureWebJobsStorage: 'UseDevelopmentStorage=true' } }), /ServiceBusConnection/);
  assert.throws(
    () =>
      createApp({
        env: { ServiceBusConnection: 'Endpoint=sb://localhost:5672;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true' },
      }),
    /AzureWebJobsStorage/,
  );
});
