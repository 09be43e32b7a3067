import { randomUUID } from 'node:crypto';
import azureFunctions from '@azure/functions';
import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { sign } from '@octokit/webhooks-methods';
import { createApp, type App } from '../../src/app/create-app.js';
import { botDefinitionSchema, type BotDefinition } from '../../src/bots/bot-config-schema.js';
import { createBotRegistry } from '../../src/bots/bot-registry.js';
import { createWebhookHandler, type WebhookHandler } from '../../src/ingress/create-webhook-handler.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { planInlineEnvelope } from '../../src/transport/envelope-bytes.js';
import { createServiceBusDispatcher } from '../../src/transport/service-bus-dispatcher.js';
import { envelopeFor } from '../../test/support/envelopes.js';
import { median } from './compare/statistics.js';
import { ownCpuMs, processCpuMs } from './compare/process-cpu.js';
import { benchRequest, rotate } from './compare/ingress-cpu.js';
import { benchPayload } from './compare/padded-payloads.js';
import type { JsonObject } from '../../src/envelope/event-envelope.js';
import { startBrokerProcess } from './compare/start-broker-process.js';

const { InvocationContext } = azureFunctions;

/**
 * What one more bot costs per webhook (issue 12's "per-bot fan-out cost"): part (a)'s 24 KB
 * pull_request webhook through apps routing it to 1..5 bots, each app with its real Service Bus
 * dispatcher sending to the development broker in its own process (on Azure the broker is not on
 * the app's cores either). The replay guard's Table insert is replaced by a stand-in (it is once
 * per webhook, not per bot). Beside it: a bare ServiceBusClient sending the same envelope bytes to
 * the same 1..5 queues at once (what any fan-out to per-bot queues pays), and the app's dispatcher
 * alone (reserve + dispatch of a built envelope: its per-bot work without the webhook's).
 * Interleaved rounds, CPU medians; the slope is the least-squares line through the medians.
 *
 *   node --expose-gc dist/tools/bench/fanout-cost.js [webhooksPerRound=300] [rounds=5]
 *
 * FANOUT_MAX_BOTS=1 runs one bot only (for a CPU profile of one send: --cpu-prof).
 */
const perRound = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 5);
const SECRET = 'fanout-bench-secret';
const MAX_BOTS = Number(process.env.FANOUT_MAX_BOTS ?? 5);

const bots: BotDefinition[] = Array.from({ length: MAX_BOTS }, (_, i) =>
  botDefinitionSchema.parse({
    name: `fan-${i + 1}`,
    queue: `bot-fan-${i + 1}`,
    events: ['pull_request'],
    strategy: { type: 'entity' },
    target: { type: 'journal' },
  }),
);

// Part (a)'s 24 KB webhook: pull_request.opened with a longer description.
const fanoutPayload = benchPayload('24k');
const { body } = fanoutPayload;
const payload = JSON.parse(body.toString('utf8')) as JsonObject;
const signature = await sign(SECRET, body.toString('utf8'));
// What the app sends every bot: the envelope around the signed bytes; the bare client sends the same bytes.
const envelopeBody = planInlineEnvelope(envelopeFor('pull_request', payload), body).bytes();
const broker = await startBrokerProcess(bots);
const apps: { count: number; app: App; handler: WebhookHandler }[] = [];
try {
  for (let count = 1; count <= MAX_BOTS; count++) {
    const app = createApp({
      env: {
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        ServiceBusConnection: broker.connectionString,
        GITHUB_WEBHOOK_SECRET: SECRET,
      },
      registry: createBotRegistry(bots.slice(0, count), { source: `${count} bots` }),
    });
    const handler = createWebhookHandler({
      ...app.webhook,
      replayGuard: { claim: async () => ({ kind: 'new', release: async () => undefined }) },
    });
    apps.push({ count, app, handler });
  }
  const bareClient = new ServiceBusClient(broker.connectionString);
  const bareSenders: ServiceBusSender[] = bots.map((bot) => bareClient.createSender(bot.queue));
  const bare = (count: number) => async () => {
    const messageId = randomUUID();
    await Promise.all(
      bareSenders.slice(0, count).map((sender, index) =>
        sender.sendMessages({
          body: envelopeBody,
          contentType: 'application/json',
          messageId,
          sessionId: `pr-${index}`,
          applicationProperties: { eventType: 'pull_request', action: 'opened' },
        }),
      ),
    );
  };
  const dispatcher = createServiceBusDispatcher({ client: bareClient, telemetry: noTelemetry });
  const dispatchOnly = (count: number) => async () => {
    const envelope = envelopeFor('pull_request', payload, { deliveryId: randomUUID() });
    planInlineEnvelope(envelope, body).bytes();
    const reservation = dispatcher.reserve(
      bots.slice(0, count).map((bot, index) => ({
        bot: bot.name,
        queue: bot.queue,
        sessionId: `pr-${index}`,
        messageId: envelope.eventId,
        ordered: true,
      })),
    );
    try {
      await reservation.dispatch(envelope, AbortSignal.timeout(60_000));
    } finally {
      reservation.release();
    }
  };
  const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });
  const send = async (handler: WebhookHandler) => {
    const request = benchRequest(fanoutPayload, signature);
    const response = await handler(request, context);
    if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
  };
  const contenders = apps.flatMap(({ count, handler }) => [
    { name: `app:${count}`, count, run: () => send(handler) },
    { name: `bare:${count}`, count, run: bare(count) },
    { name: `dispatcher:${count}`, count, run: dispatchOnly(count) },
  ]);
  // Warm-up: every sender attached, optimised code.
  for (const { run } of contenders) for (let i = 0; i < 100; i++) await run();

  const processUs = new Map<string, number[]>(contenders.map(({ name }) => [name, []]));
  const brokerUs = new Map<string, number[]>(contenders.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const { name, run } of rotate(contenders, round)) {
      globalThis.gc?.();
      const own0 = ownCpuMs();
      const broker0 = processCpuMs(broker.pid) ?? 0;
      for (let i = 0; i < perRound; i++) await run();
      processUs.get(name)!.push(((ownCpuMs() - own0) * 1000) / perRound);
      brokerUs.get(name)!.push((((processCpuMs(broker.pid) ?? 0) - broker0) * 1000) / perRound);
    }
  }
  const rows = apps.map(({ count }) => ({
    bots: count,
    appUs: median(processUs.get(`app:${count}`)!),
    bareSdkUs: median(processUs.get(`bare:${count}`)!),
    dispatcherUs: median(processUs.get(`dispatcher:${count}`)!),
    brokerUs: median(brokerUs.get(`app:${count}`)!),
  }));
  console.log(
    `pull_request.opened, ${body.byteLength} bytes, ${perRound} webhooks x ${rounds} rounds per contender (CPU µs per webhook, medians)`,
  );
  for (const row of rows)
    console.log(
      `  ${row.bots} bot(s): app ${row.appUs.toFixed(0)} µs, bare SDK sends ${row.bareSdkUs.toFixed(0)} µs, broker ${row.brokerUs.toFixed(0)} µs`,
    );
  const appSlope = slope(rows.map((row) => [row.bots, row.appUs]));
  const bareSlope = slope(rows.map((row) => [row.bots, row.bareSdkUs]));
  const dispatcherSlope = slope(rows.map((row) => [row.bots, row.dispatcherUs]));
  const brokerSlope = slope(rows.map((row) => [row.bots, row.brokerUs]));
  console.log(
    `per extra bot: app +${appSlope.toFixed(0)} µs, dispatcher alone +${dispatcherSlope.toFixed(0)} µs, bare SDK +${bareSlope.toFixed(0)} µs, broker +${brokerSlope.toFixed(0)} µs`,
  );
  console.log(
    JSON.stringify({
      fanoutAppUsPerExtraBot: round1(appSlope),
      fanoutDispatcherUsPerExtraBot: round1(dispatcherSlope),
      fanoutBareSdkUsPerExtraBot: round1(bareSlope),
      fanoutBrokerUsPerExtraBot: round1(brokerSlope),
      rows,
    }),
  );
  await bareClient.close();
} finally {
  for (const { app } of apps) await app.close();
  await broker.close();
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxy / sxx;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
