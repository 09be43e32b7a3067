import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import type { ClaimCheck } from '../../../src/transport/claim-check.js';
import { createServiceBusDispatcher } from '../../../src/transport/service-bus-dispatcher.js';
import { createSessionOrder } from '../../../src/transport/session-order.js';
import { heldClaimCheck, observedDispatcher } from '../../support/arrival-order-fakes.js';
import { example } from '../../support/example-payloads.js';
import { signedRequest } from '../../support/signed-request.js';
import { CURRENT_SECRET, webhookHarness } from '../../support/webhook-harness.js';

/** Queues that accept every message at once and remember, per queue and session, the order of arrival. */
function fakeQueues() {
  const accepted: { queue: string; sessionId: string; messageId: string }[] = [];
  const client = {
    createSender(queue: string) {
      return {
        isClosed: false,
        async sendMessages(message: ServiceBusMessage) {
          accepted.push({ queue, sessionId: String(message.sessionId), messageId: String(message.messageId) });
        },
        async close() {},
      } as unknown as ServiceBusSender;
    },
  } as unknown as ServiceBusClient;
  const arrivals = (queue: string, sessionId: string) =>
    accepted.filter((m) => m.queue === queue && m.sessionId === sessionId).map((m) => m.messageId);
  return { client, accepted, arrivals };
}

const THRESHOLD = 50_000;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** pull_request.opened #2 of Codertocat/Hello-World, with a description long enough to be claim-checked. */
function largePullRequest(): JsonObject {
  const payload = example('pull_request', 'opened');
  (payload['pull_request'] as JsonObject)['body'] = 'A long description. '.repeat(THRESHOLD / 10);
  return payload;
}

/** The same pull request event in another repository: none of its sessions is shared with #2 of Hello-World. */
function otherRepository(): JsonObject {
  const payload = example('pull_request', 'opened');
  (payload['repository'] as JsonObject)['full_name'] = 'Codertocat/Other-World';
  (payload['repository'] as JsonObject)['name'] = 'Other-World';
  return payload;
}

/** One process: the real dispatcher over fake queues, shared by every webhook handler, as in a Functions instance. */
function instance(claimCheck: Pick<ClaimCheck, 'store'>) {
  const queues = fakeQueues();
  const sessionOrder = createSessionOrder();
  const observed = observedDispatcher(createServiceBusDispatcher({ client: queues.client, telemetry: noTelemetry, sessionOrder }));
  const handler = (env: Record<string, string> = {}) =>
    webhookHarness({ dispatcher: observed.dispatcher, claimCheck, env: { CLAIM_CHECK_THRESHOLD_BYTES: String(THRESHOLD), ...env } });
  return { queues, sessionOrder, dispatched: observed.dispatched, handler };
}

type Routes = { bot: string; sessionId: string }[];

test('a large event still being claim-checked is not overtaken by a smaller later event of its pull request; other pull requests go on', async () => {
  const held = heldClaimCheck();
  const { queues, sessionOrder, dispatched, handler } = instance(held.claimCheck);
  const webhook = handler();
  const a = await signedRequest({ eventType: 'pull_request', payload: largePullRequest(), secret: CURRENT_SECRET });
  const b = await signedRequest({ eventType: 'pull_request', payload: example('pull_request', 'opened'), secret: CURRENT_SECRET });
  const c = await signedRequest({ eventType: 'pull_request', payload: otherRepository(), secret: CURRENT_SECRET });
  assert.ok(Buffer.byteLength(a.body) > THRESHOLD && Buffer.byteLength(b.body) < THRESHOLD);

  const answerA = webhook.call(a.request);
  await held.storing;
  const answerB = webhook.call(b.request);
  await dispatched(b.deliveryId);
  await turn();
  assert.equal(queues.accepted.length, 0, 'B was sent while A, routed before it, was still being written to Blob storage');

  const answerC = await webhook.call(c.request);
  assert.equal(answerC.status, 202, 'another repository waited for A');
  assert.ok(queues.accepted.every((m) => m.messageId === c.deliveryId));

  held.release();
  const [resultA, resultB] = await Promise.all([answerA, answerB]);
  assert.equal(resultA.status, 202, JSON.stringify(resultA.body));
  assert.equal(resultA.body['payloadRef'], `${a.deliveryId}.json`);
  assert.equal(resultB.status, 202, JSON.stringify(resultB.body));
  assert.deepEqual(resultB.body['routes'], resultA.body['routes'], 'A and B share every session');
  for (const { bot, sessionId } of resultA.body['routes'] as Routes) {
    assert.deepEqual(queues.arrivals(`bot-${bot}`, sessionId), [a.deliveryId, b.deliveryId], `${bot} in ${sessionId}`);
  }
  await turn();
  assert.equal(sessionOrder.pendingKeys, 0);
});

type Held = ReturnType<typeof heldClaimCheck>;

const failures: { name: string; fail: (held: Held) => void; env: Record<string, string>; status: number; error: string }[] = [
  {
    name: 'Blob storage is down',
    fail: (held) => held.fail(new TransientError('connect ECONNREFUSED')),
    env: {},
    status: 503,
    error: 'storage_unavailable',
  },
  {
    name: 'the delivery id is stored with another payload',
    fail: (held) => held.fail(new PermanentError('ClaimCheckConflict', 'delivery was already stored with a different payload')),
    env: {},
    status: 409,
    error: 'payload_conflict',
  },
  // Nothing is failed by hand: the store gives up when A's own budget runs out.
  {
    name: "A's budget runs out while storing",
    fail: () => undefined,
    env: { WEBHOOK_SEND_BUDGET_MS: '2000' },
    status: 503,
    error: 'storage_unavailable',
  },
];

for (const failure of failures) {
  test(`when ${failure.name}, the large event gives up its place: the later event of its pull request is sent at once`, async (t) => {
    const held = heldClaimCheck();
    const { queues, sessionOrder, dispatched, handler } = instance(held.claimCheck);
    // The budget's timer does not keep the process alive (in the host, the server does).
    const keepAlive = setInterval(() => undefined, 60_000);
    t.after(() => clearInterval(keepAlive));
    const a = await signedRequest({ eventType: 'pull_request', payload: largePullRequest(), secret: CURRENT_SECRET });
    const b = await signedRequest({ eventType: 'pull_request', payload: example('pull_request', 'opened'), secret: CURRENT_SECRET });

    let answeredA = false;
    const answerA = handler(failure.env)
      .call(a.request)
      .then((result) => ((answeredA = true), result));
    await held.storing;
    const answerB = handler().call(b.request);
    await dispatched(b.deliveryId);
    assert.equal(answeredA, false, 'A was answered before B was in line: this run proves nothing');
    failure.fail(held);

    const resultA = await answerA;
    assert.equal(resultA.status, failure.status, JSON.stringify(resultA.body));
    assert.equal(resultA.body['error'], failure.error);
    const resultB = await answerB;
    assert.equal(resultB.status, 202, JSON.stringify(resultB.body));
    for (const { bot, sessionId } of resultB.body['routes'] as Routes) {
      assert.deepEqual(queues.arrivals(`bot-${bot}`, sessionId), [b.deliveryId], `${bot} in ${sessionId}`);
    }
    await turn();
    assert.equal(sessionOrder.pendingKeys, 0, 'a place in line was never given up');
  });
}
