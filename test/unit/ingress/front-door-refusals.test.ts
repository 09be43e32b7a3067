import { test } from 'node:test';
import assert from 'node:assert/strict';
import azureFunctions from '@azure/functions';
import { sign } from '@octokit/webhooks-methods';
import { example } from '../../support/example-payloads.js';
import { signedRequest } from '../../support/signed-request.js';
import { CURRENT_SECRET, PREVIOUS_SECRET, recordingDispatcher, webhookHarness } from '../../support/webhook-harness.js';

const { HttpRequest } = azureFunctions;

// Issue 11 items 1, 2, 5 and 8 (relabel), each through the exported handler with real settings parsing.

test('item 1: with the current secret missing, blank or an unresolved reference, a delivery signed with the previous one is refused', async () => {
  for (const current of [undefined, '', '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/github)']) {
    const { dispatcher, batches } = recordingDispatcher();
    const env: Record<string, string> = { GITHUB_WEBHOOK_SECRET: current ?? '', GITHUB_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET };
    const harness = webhookHarness({ env, dispatcher });
    const { request } = await signedRequest({ eventType: 'push', payload: example('push'), secret: PREVIOUS_SECRET });
    const { status, body } = await harness.call(request);
    assert.equal(status, 500, JSON.stringify(current));
    assert.equal(body['error'], 'no_secret_configured');
    assert.equal(batches.length, 0, 'nothing is routed');
  }
});

test('item 2: the HMAC covers the raw bytes: a BOM-prefixed body whose signature covers only the text is 401', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const text = JSON.stringify(example('push'));
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/github/webhooks',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': '6f1e0c2a-0000-4000-8000-000000000001',
      'x-hub-signature-256': await sign(CURRENT_SECRET, text),
    },
    body: { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) },
  });
  const { status, body } = await harness.call(request);
  assert.equal(status, 401);
  assert.equal(body['error'], 'bad_signature');
  assert.equal(batches.length, 0);
});

test('item 5: a signed payload nested 10,000 deep is a 400 payload_too_deep, not a 500', async () => {
  const harness = webhookHarness();
  const depth = 10_000;
  const payload = `{"action":"opened","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const { request } = await signedRequest({ eventType: 'push', payload, secret: CURRENT_SECRET });
  const { status, body } = await harness.call(request);
  assert.equal(status, 400);
  assert.equal(body['error'], 'payload_too_deep');
  assert.match(String(body['detail']), /deeper than 512 levels/);
});

test('item 8: a signed body relabelled as another event is a 400 naming what the payload lacks', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const cases: [string, string, string, RegExp][] = [
    ['pull_request', 'opened', 'issues', /"issues": missing issue \(object\), issue\.number \(number\)/],
    ['pull_request', 'opened', 'push', /"push": missing ref \(string\), before \(string\), after \(string\)/],
    ['issues', 'opened', 'pull_request_review', /missing pull_request \(object\), pull_request\.number \(number\), review \(object\)/],
  ];
  for (const [signedAs, action, claimed, detail] of cases) {
    const { request } = await signedRequest({ eventType: claimed, payload: example(signedAs, action), secret: CURRENT_SECRET });
    const { status, body } = await harness.call(request);
    assert.equal(status, 400, `${signedAs} as ${claimed}`);
    assert.equal(body['error'], 'payload_mismatch');
    assert.match(String(body['detail']), detail);
  }
  assert.equal(batches.length, 0);
});
