import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeWhenHostStops } from '../../../src/app/close-when-host-stops.js';
import { createApp } from '../../../src/app/create-app.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

// Nothing listens here: creating and closing the app must not need a broker.
const offlineEnv = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  GITHUB_WEBHOOK_SECRET: 'test-secret',
};

test("the host's appTerminate hook closes the app and waits for it", async () => {
  let handler: (() => Promise<void>) | undefined;
  let closed = false;
  closeWhenHostStops(
    { close: async () => void (await new Promise((resolve) => setImmediate(resolve)), (closed = true)) },
    (registered) => (handler = registered),
  );
  assert.ok(handler, 'a handler is registered with appTerminate');
  await handler();
  assert.equal(closed, true);
});

test('closing the app flushes telemetry after closing its Service Bus client', async () => {
  const flushed: string[] = [];
  const telemetry = { ...recordingTelemetry(), flush: async () => void flushed.push('flush') };
  const app = createApp({ env: offlineEnv, telemetry });
  await app.close();
  assert.deepEqual(flushed, ['flush']);
});
