import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { DispatchError } from '../../../src/transport/dispatcher.js';
import { signedRequest } from '../../support/signed-request.js';
import { example } from '../../support/example-payloads.js';
import {
  CURRENT_SECRET,
  PREVIOUS_SECRET,
  RECEIVED_AT,
  recordingClaimCheck,
  recordingDispatcher,
  webhookHarness,
} from '../../support/webhook-harness.js';

const PR = 'pr-Codertocat/Hello-World-2';
const REPO = 'repo-Codertocat/Hello-World';
const FIVE_ROUTES = [
  { bot: 'task-tactician', sessionId: PR },
  { bot: 'merge-warden', sessionId: PR },
  { bot: 'spec-sentinel', sessionId: REPO },
  { bot: 'security-scanner', sessionId: REPO },
  { bot: 'dependency-updater', sessionId: PR },
];

test('a signed pull_request.opened is routed to the five bots and answered 202 with each session id', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const payload = example('pull_request', 'opened', 24_000);
  const { request, deliveryId } = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET });

  const { status, body } = await harness.call(request);

  assert.equal(status, 202);
  assert.deepEqual(body, { deliveryId, routes: FIVE_ROUTES });
  assert.equal(batches.length, 1);
  for (const message of batches[0]!) {
    assert.equal(message.messageId, deliveryId);
    assert.equal(message.queue, `bot-${message.bot}`);
    assert.equal(message.ordered, true, 'every route has a session key: its sends keep arrival order');
    assert.deepEqual(message.envelope.payload, payload);
    assert.equal(message.envelope.eventId, deliveryId);
    assert.equal(message.envelope.metadata.receivedAt, RECEIVED_AT.toISOString());
    assert.equal(message.envelope.metadata.hookId, '424242');
    assert.equal(message.envelope.metadata.contentType, 'application/json');
  }
  assert.deepEqual(
    harness.telemetry.events.filter((e) => e.name === 'WebhookRouted').map((e) => e.properties['bot']),
    FIVE_ROUTES.map((r) => r.bot),
  );
  assert.ok(harness.logs.some((line) => line.includes('webhook queued') && line.includes(deliveryId)));
});

test('the answer waits until the dispatcher reports every queue accepted', async () => {
  let accept!: () => void;
  const accepted = new Promise<void>((resolve) => (accept = resolve));
  const harness = webhookHarness({ dispatcher: recordingDispatcher(() => accepted).dispatcher });
  const { request } = await signedRequest({
    eventType: 'pull_request',
    payload: example('pull_request', 'opened'),
    secret: CURRENT_SECRET,
  });
  let answered = false;
  const response = harness.call(request).then((result) => ((answered = true), result));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(answered, false);
  accept();
  assert.equal((await response).status, 202);
});

test('a form-encoded delivery carries the same payload as its JSON twin', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const payload = example('issue_comment', 'created');
  const { request } = await signedRequest({ eventType: 'issue_comment', payload, secret: CURRENT_SECRET, encoding: 'form' });
  const { status } = await harness.call(request);
  assert.equal(status, 202);
  assert.deepEqual(batches[0]![0]!.envelope.payload, payload);
  assert.equal(batches[0]![0]!.envelope.metadata.contentType, 'application/x-www-form-urlencoded');
});

test('a delivery signed with the previous secret is accepted during a rotation, with a warning', async () => {
  const harness = webhookHarness();
  const { request } = await signedRequest({ eventType: 'push', payload: example('push'), secret: PREVIOUS_SECRET });
  assert.equal((await harness.call(request)).status, 202);
  assert.ok(harness.logs.some((line) => line.startsWith('warning') && line.includes('previous secret')));
});

test('ping is answered 200 and queues nothing', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const { request, deliveryId } = await signedRequest({ eventType: 'ping', payload: example('ping'), secret: CURRENT_SECRET });
  const { status, body } = await harness.call(request);
  assert.equal(status, 200);
  assert.equal(body['deliveryId'], deliveryId);
  assert.equal(batches.length, 0);
});

test('an event no bot subscribes to is accepted with no routes, and the body says so', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const { request } = await signedRequest({ eventType: 'star', payload: example('star', 'created'), secret: CURRENT_SECRET });
  const { status, body } = await harness.call(request);
  assert.equal(status, 202);
  assert.deepEqual(body['routes'], []);
  assert.match(String(body['detail']), /no bot subscribes to star\.created/);
  assert.equal(batches.length, 0);
});

test('every example payload in @octokit/webhooks-examples is accepted (200 for ping, 202 otherwise)', async () => {
  const { allExamplePayloads } = await import('../../support/example-payloads.js');
  const harness = webhookHarness();
  for (const { eventType, payload } of allExamplePayloads()) {
    const { request } = await signedRequest({ eventType, payload, secret: CURRENT_SECRET });
    const { status, body } = await harness.call(request);
    assert.equal(status, eventType === 'ping' ? 200 : 202, `${eventType}.${String(payload['action'])}: ${JSON.stringify(body)}`);
  }
});

test('an envelope over the threshold is claim-checked once and every bot gets the same payloadRef', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const { claimCheck, stored } = recordingClaimCheck();
  const harness = webhookHarness({ dispatcher, claimCheck, env: { CLAIM_CHECK_THRESHOLD_BYTES: '10000' } });
  const {
    request,
    deliveryId,
    body: sentBody,
  } = await signedRequest({ eventType: 'pull_request', payload: example('pull_request', 'opened'), secret: CURRENT_SECRET });
  const { status, body } = await harness.call(request);
  assert.equal(status, 202);
  assert.equal(body['payloadRef'], `${deliveryId}.json`);
  assert.equal(stored.length, 1);
  assert.ok(stored[0]!.bytes.equals(Buffer.from(sentBody)), 'the raw payload bytes as GitHub sent them');
  for (const message of batches[0]!) {
    assert.equal(message.envelope.payload, undefined);
    assert.equal(message.envelope.payloadRef?.blobName, `${deliveryId}.json`);
  }
  assert.equal(harness.telemetry.events.filter((e) => e.name === 'WebhookClaimChecked').length, 1);
});

// --- every error status ---------------------------------------------------------------------

const expectRejection = async (
  harness: ReturnType<typeof webhookHarness>,
  request: Parameters<ReturnType<typeof webhookHarness>['call']>[0],
  status: number,
  error: string,
  detail: RegExp,
) => {
  const response = await harness.call(request);
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body['error'], error);
  assert.match(String(response.body['detail']), detail);
  assert.ok(harness.telemetry.events.some((e) => e.name === 'WebhookRejected' && e.properties['reason'] === error));
};

test('400: each missing required header is named', async () => {
  for (const [header, named] of [
    ['x-github-event', 'X-GitHub-Event'],
    ['x-github-delivery', 'X-GitHub-Delivery'],
    ['x-hub-signature-256', 'X-Hub-Signature-256'],
  ]) {
    const { request } = await signedRequest({
      eventType: 'push',
      payload: example('push'),
      secret: CURRENT_SECRET,
      headers: { [header!]: undefined },
    });
    await expectRejection(webhookHarness(), request, 400, 'missing_headers', new RegExp(`missing required header: ${named}$`));
  }
});

test('400: a delivery id that is not GUID-like or longer than 128 characters', async () => {
  for (const deliveryId of ['../../etc/passwd', 'a'.repeat(129)]) {
    const { request } = await signedRequest({ eventType: 'push', payload: example('push'), secret: CURRENT_SECRET, deliveryId });
    await expectRejection(webhookHarness(), request, 400, 'bad_delivery_id', /GUID-like/);
  }
});

test('400: a signed body that is not JSON, or an empty body', async () => {
  const { request } = await signedRequest({ eventType: 'push', payload: '{"ref": "refs/heads/main",', secret: CURRENT_SECRET });
  await expectRejection(webhookHarness(), request, 400, 'malformed_body', /not valid JSON/);
  const { request: empty } = await signedRequest({ eventType: 'push', payload: '', secret: CURRENT_SECRET, signBody: 'x' });
  await expectRejection(webhookHarness(), empty, 400, 'empty_body', /empty/);
});

test('401: a signature from another secret or over other bytes', async () => {
  const { request } = await signedRequest({ eventType: 'push', payload: example('push'), secret: 'not-our-secret' });
  await expectRejection(webhookHarness(), request, 401, 'bad_signature', /X-Hub-Signature-256 does not match/);
  const { request: tampered } = await signedRequest({
    eventType: 'push',
    payload: example('push'),
    secret: CURRENT_SECRET,
    signBody: '{}',
  });
  await expectRejection(webhookHarness(), tampered, 401, 'bad_signature', /does not match/);
});

test('413: over WEBHOOK_MAX_BODY_BYTES, by declared length or by counting', async () => {
  const env = { WEBHOOK_MAX_BODY_BYTES: '4096' };
  const payload = example('pull_request', 'opened');
  const { request: declared } = await signedRequest({
    eventType: 'pull_request',
    payload,
    secret: CURRENT_SECRET,
    headers: { 'content-length': '30000' },
  });
  await expectRejection(webhookHarness({ env }), declared, 413, 'body_too_large', /Content-Length 30000 exceeds the limit of 4096 bytes/);
  const { request: counted } = await signedRequest({ eventType: 'pull_request', payload, secret: CURRENT_SECRET });
  await expectRejection(webhookHarness({ env }), counted, 413, 'body_too_large', /exceeds the limit of 4096 bytes/);
});

test('415: a content type GitHub does not send', async () => {
  const { request } = await signedRequest({
    eventType: 'push',
    payload: example('push'),
    secret: CURRENT_SECRET,
    headers: { 'content-type': 'text/plain' },
  });
  await expectRejection(webhookHarness(), request, 415, 'unsupported_content_type', /got "text\/plain"/);
});

test('500: no secret configured refuses every delivery (fail closed) and says so in the error log', async () => {
  const harness = webhookHarness({ env: { GITHUB_WEBHOOK_SECRET: '', GITHUB_WEBHOOK_SECRET_PREVIOUS: '' } });
  const { request } = await signedRequest({ eventType: 'push', payload: example('push'), secret: CURRENT_SECRET });
  await expectRejection(harness, request, 500, 'no_secret_configured', /GITHUB_WEBHOOK_SECRET/);
  assert.ok(harness.logs.some((line) => line.startsWith('error') && line.includes('GITHUB_WEBHOOK_SECRET')));
});

test('503: a queue that does not accept, naming the bot; 503 when a big payload cannot be claim-checked', async () => {
  const failing = recordingDispatcher(async () => {
    throw new DispatchError([
      { bot: 'merge-warden', queue: 'bot-merge-warden', reason: 'ServiceCommunicationProblem: connect ECONNREFUSED' },
    ]);
  });
  const { request } = await signedRequest({
    eventType: 'pull_request',
    payload: example('pull_request', 'opened'),
    secret: CURRENT_SECRET,
  });
  await expectRejection(
    webhookHarness({ dispatcher: failing.dispatcher }),
    request,
    503,
    'queues_unavailable',
    /merge-warden \(queue bot-merge-warden\): ServiceCommunicationProblem/,
  );

  const storageDown = recordingClaimCheck(async () => {
    throw new TransientError('could not store: connect ECONNREFUSED');
  });
  const { request: big } = await signedRequest({
    eventType: 'pull_request',
    payload: example('pull_request', 'opened'),
    secret: CURRENT_SECRET,
  });
  await expectRejection(
    webhookHarness({ claimCheck: storageDown.claimCheck, env: { CLAIM_CHECK_THRESHOLD_BYTES: '1000' } }),
    big,
    503,
    'storage_unavailable',
    /could not be claim-checked/,
  );
});

test('409: a delivery id already claim-checked with a different payload', async () => {
  const conflict = recordingClaimCheck(async () => {
    throw new PermanentError('ClaimCheckConflict', 'delivery d was already stored with a different payload');
  });
  const { request } = await signedRequest({
    eventType: 'pull_request',
    payload: example('pull_request', 'opened'),
    secret: CURRENT_SECRET,
  });
  await expectRejection(
    webhookHarness({ claimCheck: conflict.claimCheck, env: { CLAIM_CHECK_THRESHOLD_BYTES: '1000' } }),
    request,
    409,
    'payload_conflict',
    /different payload/,
  );
});

test('no secret and no payload content ever reaches a log line or telemetry, whatever the outcome', async () => {
  const payload = example('pull_request', 'opened');
  const marker = 'PRIVATE-REPO-CONTENT-31337';
  (payload['pull_request'] as Record<string, unknown>)['body'] = marker;
  const harnesses = [
    webhookHarness(),
    webhookHarness({ env: { WEBHOOK_MAX_BODY_BYTES: '100' } }),
    webhookHarness({
      dispatcher: recordingDispatcher(async () => {
        throw new Error(`boom`);
      }).dispatcher,
    }),
    webhookHarness({ env: { CLAIM_CHECK_THRESHOLD_BYTES: '1000' } }),
  ];
  for (const harness of harnesses) {
    for (const secret of [CURRENT_SECRET, PREVIOUS_SECRET, 'wrong-secret']) {
      for (const encoding of ['json', 'form'] as const) {
        await harness.call((await signedRequest({ eventType: 'pull_request', payload, secret, encoding })).request);
      }
    }
    await harness.call(
      (await signedRequest({ eventType: 'pull_request', payload: `{"body":"${marker}"`, secret: CURRENT_SECRET })).request,
    );
    const recorded = [...harness.logs, JSON.stringify(harness.telemetry.events), JSON.stringify(harness.telemetry.metrics)].join('\n');
    assert.ok(harness.logs.length > 0);
    for (const forbidden of [CURRENT_SECRET, PREVIOUS_SECRET, marker]) {
      assert.ok(!recorded.includes(forbidden), `"${forbidden}" leaked into logs or telemetry`);
    }
  }
});
