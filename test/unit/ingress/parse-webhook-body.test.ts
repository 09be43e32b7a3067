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

const bytes = (text: string) => Buffer.from(text, 'utf8');

test('a JSON body parses to the payload and keeps its exact bytes', () => {
  const text = JSON.stringify(example('issues', 'opened'), null, 1);
  const parsed = parseWebhookBody('application/json', bytes(text));
  assert.equal(parsed.payloadBytes.toString('utf8'), text);
  assert.equal(parsed.payload['action'], 'opened');
});

test('a form-encoded body yields the JSON of its payload field, byte for byte', () => {
  const json = JSON.stringify(example('issue_comment', 'created'));
  const parsed = parseWebhookBody('application/x-www-form-urlencoded', bytes(new URLSearchParams({ payload: json }).toString()));
  assert.equal(parsed.payloadBytes.toString('utf8'), json);
  assert.deepEqual(parsed.payload, JSON.parse(json));
});

test('malformed bodies are 400s that say what is wrong without quoting the body', () => {
  const secretLooking = '{"token": "ghp_private_content" ';
  assert.throws(
    () => parseWebhookBody('application/json', bytes(secretLooking)),
    (error: unknown) => {
      rejectedWith(400, /body is not valid JSON/)(error);
      assert.doesNotMatch((error as WebhookRejection).detail, /ghp_private_content/);
      return true;
    },
  );
  assert.throws(() => parseWebhookBody('application/json', bytes('[1,2]')), rejectedWith(400, /must be a JSON object/));
  assert.throws(() => parseWebhookBody('application/x-www-form-urlencoded', bytes('other=1')), rejectedWith(400, /no "payload" field/));
  assert.throws(
    () => parseWebhookBody('application/x-www-form-urlencoded', bytes('payload=nope')),
    rejectedWith(400, /"payload" field is not valid JSON/),
  );
});

test('bytes that are not UTF-8 are a 400, not silently replaced', () => {
  assert.throws(
    () => parseWebhookBody('application/json', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    rejectedWith(400, /not valid UTF-8/),
  );
});

test('a payload nested deeper than the router can carry is a 400 payload_too_deep; GitHub-like depth passes', () => {
  for (const depth of [513, 10_000, 200_000]) {
    const deep = bytes('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    assert.throws(
      () => parseWebhookBody('application/json', deep),
      (error: unknown) => {
        assert.ok(error instanceof WebhookRejection);
        assert.equal(error.status, 400);
        assert.equal(error.reason, 'payload_too_deep');
        assert.match(error.detail, /deeper than 512 levels/);
        return true;
      },
    );
  }
  const arrays = '['.repeat(600) + ']'.repeat(600);
  assert.throws(() => parseWebhookBody('application/json', bytes(`{"a":${arrays}}`)), rejectedWith(400, /deeper than 512/));
  // Brackets inside strings (escaped quotes included) do not count.
  const inStrings = { title: '[[[{{{\\"'.repeat(400), body: '\\' + '['.repeat(1000) };
  assert.equal(parseWebhookBody('application/json', bytes(JSON.stringify(inStrings))).payload['title'], inStrings.title);
  const ok = '{"a":'.repeat(511) + '1' + '}'.repeat(511);
  assert.doesNotThrow(() => parseWebhookBody('application/json', bytes(ok)));
});
