import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import type { EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { readSettings } from '../../../src/config/settings.js';
import { createWebhookHandler } from '../../../src/ingress/create-webhook-handler.js';
import { createApp } from '../../../src/app/create-app.js';
import { startDevBroker } from '../../../tools/dev-broker/start-dev-broker.js';
import {
  botQueues,
  callHandler,
  drainSession,
  startIngressEnvironment,
  type IngressEnvironment,
} from '../../support/ingress-environment.js';
import { signedRequest } from '../../support/signed-request.js';
import { example } from '../../support/example-payloads.js';
import { CURRENT_SECRET } from '../../support/webhook-harness.js';
import { heldClaimCheck, observedDispatcher } from '../../support/arrival-order-fakes.js';

let environment: IngressEnvironment;
before(async () => {
  environment = await startIngressEnvironment();
});
after(async () => {
  await environment?.close();
});

/** The body as sent: JSON bytes in an AMQP data section (the SDK hands it over already parsed). */
const envelopeOf = (message: ServiceBusReceivedMessage): EventEnvelope => {
  assert.equal(message._rawAmqpMessage.bodyType, 'data', 'a data section, readable by the Functions host');
  return (Buffer.isBuffer(message.body) ? JSON.parse(message.body.toString('utf8')) : message.body) as EventEnvelope;
};

test('a signed pull_request.opened reaches each of the five bots in its session, with the envelope and properties', async () => {
  const payload = example('pull_request', 'opened', 24_000);
  const { request, deliveryId } = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET });
  const { status, body } = await environment.call(request);
  assert.equal(status, 202, JSON.stringify(body));
  const routes = body['routes'] as { bot: string; sessionId: string }[];
  assert.equal(routes.length, 5);

  for (const { bot, sessionId } of routes) {
    const messages = await drainSession(environment.receiverClient, `bot-${bot}`, sessionId);
    assert.equal(messages.length, 1, bot);
    const [message] = messages;
    assert.equal(message!.sessionId, sessionId);
    assert.equal(message!.messageId, deliveryId);
    assert.equal(message!.contentType, 'application/json');
    assert.equal(message!.subject, 'opened');
    assert.deepEqual(message!.applicationProperties, {
      eventType: 'pull_request',
      action: 'opened',
      bot,
      entityType: 'pull_request',
      repository: 'Codertocat/Hello-World',
    });
    const envelope = envelopeOf(message!);
    assert.equal(envelope.eventId, deliveryId);
    assert.equal(envelope.entityId, '2');
    assert.deepEqual(envelope.payload, payload);
  }
});

test('the same delivery posted twice reaches each queue once', async () => {
  const payload = example('push');
  const first = await signedRequest({ eventType: 'push', payload, secret: CURRENT_SECRET });
  const again = await signedRequest({ eventType: 'push', payload, secret: CURRENT_SECRET, deliveryId: first.deliveryId });
  const one = await environment.call(first.request);
  const two = await environment.call(again.request);
  assert.equal(one.status, 202);
  assert.deepEqual(two, one, 'a redelivery is answered like the first delivery');

  const routes = one.body['routes'] as { bot: string; sessionId: string }[];
  assert.ok(routes.length >= 3);
  for (const { bot, sessionId } of routes) {
    const messages = await drainSession(environment.receiverClient, `bot-${bot}`, sessionId);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      [first.deliveryId],
      bot,
    );
  }
});

test('a 300 KB payload goes through the claim check and resolves to identical bytes for every bot', async () => {
  const payload = example('pull_request', 'opened');
  (payload['pull_request'] as Record<string, unknown>)['body'] = 'A very long pull request description. '.repeat(8_000);
  const { request, deliveryId, body: sent } = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET });
  assert.ok(Buffer.byteLength(sent) > 300_000);

  const { status, body } = await environment.call(request);
  assert.equal(status, 202, JSON.stringify(body));
  assert.equal(body['payloadRef'], `${deliveryId}.json`);
  for (const { bot, sessionId } of body['routes'] as { bot: string; sessionId: string }[]) {
    const [message] = await drainSession(environment.receiverClient, `bot-${bot}`, sessionId);
    const envelope = envelopeOf(message!);
    assert.equal(envelope.payload, undefined);
    assert.ok(envelope.payloadRef);
    assert.ok((await environment.claimCheck.read(envelope.payloadRef)).equals(Buffer.from(sent)), bot);
    assert.deepEqual(await environment.claimCheck.resolve(envelope.payloadRef), payload);
  }
});

test('a 300 KB event still being written to Blob storage reaches its sessions before a small later event of the same pull request', async () => {
  // The real claim check (Azurite), held until the small event has been dispatched behind it.
  const held = heldClaimCheck(environment.claimCheck);
  const observed = observedDispatcher(environment.runtime.dispatcher);
  const handler = createWebhookHandler({ ...environment.runtime, dispatcher: observed.dispatcher, claimCheck: held.claimCheck });
  const large = example('pull_request', 'opened');
  (large['pull_request'] as Record<string, unknown>)['body'] = 'A very long pull request description. '.repeat(8_000);
  const a = await signedRequest({ eventType: 'pull_request', payload: large, secret: CURRENT_SECRET });
  const b = await signedRequest({ eventType: 'pull_request', payload: example('pull_request', 'opened'), secret: CURRENT_SECRET });

  const answerA = callHandler(handler, a.request);
  await held.storing;
  const answerB = callHandler(handler, b.request);
  await observed.dispatched(b.deliveryId);
  held.release();
  const [resultA, resultB] = await Promise.all([answerA, answerB]);
  assert.equal(resultA.status, 202, JSON.stringify(resultA.body));
  assert.equal(resultA.body['payloadRef'], `${a.deliveryId}.json`);
  assert.equal(resultB.status, 202, JSON.stringify(resultB.body));
  for (const { bot, sessionId } of resultA.body['routes'] as { bot: string; sessionId: string }[]) {
    const messages = await drainSession(environment.receiverClient, `bot-${bot}`, sessionId);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      [a.deliveryId, b.deliveryId],
      `${bot} in ${sessionId}`,
    );
  }
});

test('503 when the queues cannot be reached within the send budget', async () => {
  const closedPort = await freePortThenClose();
  const app = createApp({
    settings: readSettings({
      GITHUB_WEBHOOK_SECRET: CURRENT_SECRET,
      ServiceBusConnection: `Endpoint=sb://127.0.0.1:${closedPort};SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true`,
      AzureWebJobsStorage: environment.azurite.connectionString,
      WEBHOOK_SEND_BUDGET_MS: '3000', // a loaded CI machine spent 500 ms before the first send
    }),
  });
  try {
    const { request } = await signedRequest({
      eventType: 'pull_request',
      payload: example('pull_request', 'opened'),
      secret: CURRENT_SECRET,
    });
    const { status, body } = await callHandler(createWebhookHandler(app.webhook), request);
    assert.equal(status, 503);
    assert.equal(body['error'], 'queues_unavailable');
    assert.match(String(body['detail']), /merge-warden \(queue bot-merge-warden\).*ECONNREFUSED/);
  } finally {
    await app.close();
  }
});

test('a partial send answers 503 naming the missing queue; the redelivery fills only that queue, claim check reused', async () => {
  // spec-sentinel's queue is missing (a deployment that has not created it yet); the others accept.
  const broker = await startDevBroker({ port: 0, queues: botQueues().filter((queue) => queue.name !== 'bot-spec-sentinel') });
  const app = createApp({
    settings: readSettings({
      GITHUB_WEBHOOK_SECRET: CURRENT_SECRET,
      ServiceBusConnection: broker.connectionString,
      AzureWebJobsStorage: environment.azurite.connectionString,
      CLAIM_CHECK_THRESHOLD_BYTES: '1000',
    }),
  });
  const receiver = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
  try {
    const payload = example('pull_request', 'opened');
    const first = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET });
    const refused = await callHandler(createWebhookHandler(app.webhook), first.request);
    assert.equal(refused.status, 503);
    assert.match(String(refused.body['detail']), /spec-sentinel \(queue bot-spec-sentinel\)/);
    assert.doesNotMatch(String(refused.body['detail']), /merge-warden/);

    broker.createQueue(botQueues().find((queue) => queue.name === 'bot-spec-sentinel')!);
    const again = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET, deliveryId: first.deliveryId });
    const accepted = await callHandler(createWebhookHandler(app.webhook), again.request);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body['payloadRef'], `${first.deliveryId}.json`);
    for (const { bot, sessionId } of accepted.body['routes'] as { bot: string; sessionId: string }[]) {
      const messages = await drainSession(receiver, `bot-${bot}`, sessionId);
      assert.deepEqual(
        messages.map((m) => m.messageId),
        [first.deliveryId],
        `${bot} has the event exactly once`,
      );
    }
  } finally {
    await receiver.close();
    await app.close();
    await broker.close();
  }
});

async function freePortThenClose(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
