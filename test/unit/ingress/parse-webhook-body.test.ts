import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebhookBody, webhookContentType } from '../../../src/ingress/parse-webhook-body.js';
import { WebhookRejection } from '../../../src/ingress/webhook-rejection.js';
import { example } from '../../support/example-payloads.js';

const rejectedWith = (status: number, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof WebhookRejection);
  assert.equal(error.status, status);
  assert.match(error.detail, pattern);
  return true;
};

test('content types: JSON and form encoding, parameters and case ignored; anything else is a 415 naming it', () => {
  assert.equal(webhookContentType('application/json; charset=utf-8'), 'application/json');
  assert.equal(webhookContentType('Application/X-WWW-Form-Urlencoded'), 'application/x-www-form-urlencoded');
  assert.throws(() => webhookContentType('text/plain'), rejectedWith(415, /got "text\/plain"/));
  assert.throws(() => webhookContentType(null), rejectedWith(415, /got none/));
});

test('a JSON body parses to the payload and keeps its exact text', () => {
  const text = JSON.stringify(example('issues', 'opened'));
  const parsed = parseWebhookBody('application/json', text);
  assert.equal(parsed.payloadText, text);
  assert.equal(parsed.payload['action'], 'opened');
});

test('a form-encoded body yields the JSON of its payload field, byte for byte', () => {
  const json = JSON.stringify(example('issue_comment', 'created'));
  const parsed = parseWebhookBody('application/x-www-form-urlencoded', new URLSearchParams({ payload: json }).toString());
  assert.equal(parsed.payloadText, json);
  assert.deepEqual(parsed.payload, JSON.parse(json));
});

test('malformed bodies are 400s that say what is wrong without quoting the body', () => {
  const secretLooking = '{"token": "ghp_private_content" ';
  assert.throws(() => parseWebhookBody('application/json', secretLooking), (error: unknown) => {
    rejectedWith(400, /body is not valid JSON/)(error);
    assert.doesNotMatch((error as WebhookRejection).detail, /ghp_private_content/);
    return true;
  });
  assert.throws(() => parseWebhookBody('application/json', '[1,2]'), rejectedWith(400, /must be a JSON object/));
  assert.throws(() => parseWebhookBody('application/x-www-form-urlencoded', 'other=1'), rejectedWith(400, /no "payload" field/));
  assert.throws(() => parseWebhookBody('application/x-www-form-urlencoded', 'payload=nope'), rejectedWith(400, /"payload" field is not valid JSON/));
});
