import { randomUUID } from 'node:crypto';
import azureFunctions from '@azure/functions';
import { sign } from '@octokit/webhooks-methods';
import { loadBots } from '../../src/bots/load-bots.js';
import { readSettings } from '../../src/config/settings.js';
import { startDevBroker, type RunningDevBroker } from '../dev-broker/start-dev-broker.js';
import { createWebhookHandler, type WebhookHandler } from '../../src/ingress/create-webhook-handler.js';
import { createApp, type App } from '../../src/app/create-app.js';
import { startAzurite, type RunningAzurite } from '../local-host/start-azurite.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { botQueues } from '../../test/support/ingress-environment.js';
import { example } from '../../test/support/example-payloads.js';
import { recordingClaimCheck, recordingDispatcher } from '../../test/support/webhook-harness.js';
import type { Benchmark } from './benchmark.js';

const { HttpRequest, InvocationContext } = azureFunctions;
const SECRET = 'bench-secret';

// A real pull_request.opened of about 24 KB (GitHub's typical size) that all five shipped bots take.
const body = Buffer.from(JSON.stringify(example('pull_request', 'opened', 24_000)));
const signature = await sign(SECRET, body.toString('utf8'));
const kb = Math.round(body.byteLength / 1024);
const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });

// Signed beforehand: signing is GitHub's work, not the handler's. A fresh delivery id each time,
// so the broker's duplicate detection never short-cuts a send.
const request = () =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/github/webhooks',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature,
    },
    body: { bytes: body },
  });

const expect202 = async (handler: WebhookHandler) => {
  const response = await handler(request(), context);
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
  return response;
};

const settings = readSettings({ GITHUB_WEBHOOK_SECRET: SECRET });
const withoutIo = createWebhookHandler({
  settings,
  registry: loadBots(),
  dispatcher: recordingDispatcher(async () => undefined, { keep: false }).dispatcher,
  claimCheck: recordingClaimCheck().claimCheck,
  telemetry: noTelemetry,
  now: () => new Date(),
});

let running: { broker: RunningDevBroker; azurite: RunningAzurite; app: App; handler: WebhookHandler } | undefined;

export const benchmarks: Benchmark[] = [
  {
    name: `webhook handler, pull_request.opened ${kb} KB → 5 bots, no I/O (verify, parse, envelope, route)`,
    run: () => expect202(withoutIo),
  },
  {
    name: `webhook handler, pull_request.opened ${kb} KB → 5 bots, real SDK → dev broker + Azurite, until 202`,
    // Unreceived messages pile up in the broker's memory: 5 s gives a stable p99 without gigabytes.
    measureMs: 5_000,
    async setup() {
      const [broker, azurite] = await Promise.all([startDevBroker({ port: 0, queues: botQueues() }), startAzurite()]);
      // The app's own composition, as both hosts run it.
      const app = createApp({
        // The same body is posted again and again under new delivery ids: replay detection off, or all but the first would be dropped.
        settings: readSettings({
          GITHUB_WEBHOOK_SECRET: SECRET,
          ServiceBusConnection: broker.connectionString,
          AzureWebJobsStorage: azurite.connectionString,
          WEBHOOK_REPLAY_WINDOW: 'PT0S',
        }),
      });
      running = { broker, azurite, app, handler: createWebhookHandler(app.webhook) };
    },
    run: () => expect202(running!.handler),
    async teardown() {
      await running?.app.close();
      await running?.broker.close();
      await running?.azurite.stop();
      running = undefined;
    },
  },
];
