import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import azureFunctions from '@azure/functions';
import { sign } from '@octokit/webhooks-methods';
import { readSettings } from '../src/config/settings.js';
import { startDevBroker } from '../src/devbroker/start-dev-broker.js';
import type { JsonObject } from '../src/envelope/event-envelope.js';
import { createWebhookHandler } from '../src/ingress/create-webhook-handler.js';
import { createWebhookRuntime } from '../src/ingress/create-webhook-runtime.js';
import { startAzurite } from '../src/local/start-azurite.js';
import { botQueues } from '../test/support/ingress-environment.js';
import { example } from '../test/support/example-payloads.js';

const { HttpRequest, InvocationContext } = azureFunctions;
const SECRET = 'bench-secret';

export interface WebhookBenchResult {
  name: string;
  requests: number;
  concurrency: number;
  payloadBytes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSecond: number;
}

/**
 * Latency of the exported webhook handler for a 24 KB pull_request.opened routed to the five
 * shipped bots: verify, parse, envelope, route, and five sends through the real SDK to the
 * development broker (plus Azurite for the claim-check container), answered 202.
 * Requests are signed beforehand: signing is GitHub's work, not the handler's.
 */
export default async function benchWebhookHandler(options: { requests?: number; warmup?: number } = {}): Promise<WebhookBenchResult[]> {
  const requests = options.requests ?? 400;
  const warmup = options.warmup ?? 50;
  const [broker, azurite] = await Promise.all([startDevBroker({ port: 0, queues: botQueues() }), startAzurite()]);
  const runtime = createWebhookRuntime(
    readSettings({ GITHUB_WEBHOOK_SECRET: SECRET, ServiceBusConnection: broker.connectionString, AzureWebJobsStorage: azurite.connectionString }),
  );
  const handler = createWebhookHandler(runtime);
  const payload: JsonObject = example('pull_request', 'opened', 24_000);
  const body = Buffer.from(JSON.stringify(payload));
  const signature = await sign(SECRET, body.toString('utf8'));
  const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });
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

  const run = async (count: number, concurrency: number): Promise<number[]> => {
    const latencies: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next++ < count) {
        const call = request();
        const started = performance.now();
        const response = await handler(call, context);
        latencies.push(performance.now() - started);
        if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return latencies;
  };

  const results: WebhookBenchResult[] = [];
  try {
    await run(warmup, 1);
    for (const concurrency of [1, 8]) {
      const started = performance.now();
      const latencies = (await run(requests, concurrency)).sort((a, b) => a - b);
      const seconds = (performance.now() - started) / 1000;
      const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
      results.push({
        name: `webhook handler, pull_request.opened (${Math.round(body.byteLength / 1024)} KB) to 5 bots, dev broker + Azurite`,
        requests,
        concurrency,
        payloadBytes: body.byteLength,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        maxMs: round(latencies[latencies.length - 1]!),
        requestsPerSecond: Math.round(requests / seconds),
      });
    }
  } finally {
    await runtime.close();
    await broker.close();
    await azurite.stop();
  }
  for (const result of results) {
    console.log(
      `${result.name}, concurrency ${result.concurrency}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms, ${result.requestsPerSecond} req/s over ${result.requests} requests`,
    );
  }
  return results;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchWebhookHandler();
}
