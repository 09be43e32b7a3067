import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import type { EventEnvelope, JsonObject } from '../../../src/envelope/event-envelope.js';
import { envelopeBytes } from '../../../src/transport/envelope-bytes.js';
import { toServiceBusMessage } from '../../../src/transport/to-service-bus-message.js';
import { allExamplePayloads } from '../../support/example-payloads.js';
import { signedRequest } from '../../support/signed-request.js';
import { CURRENT_SECRET, recordingDispatcher, webhookHarness } from '../../support/webhook-harness.js';

/** Every inline envelope the handler dispatched for one signed request. */
async function dispatched(eventType: string, payload: JsonObject | string, encoding: 'json' | 'form' = 'json'): Promise<EventEnvelope[]> {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher, env: { CLAIM_CHECK_THRESHOLD_BYTES: String(64 * 1024 * 1024) } });
  const { request } = await signedRequest({ eventType, payload, secret: CURRENT_SECRET, encoding });
  const { status, body } = await harness.call(request);
  assert.ok(status === 202 || status === 200, `${eventType}: ${status} ${JSON.stringify(body)}`);
  return batches.flat().map((message) => message.envelope);
}

test('message bodies built around the raw payload bytes read back through parseEnvelope exactly as the stringified envelope did (every example, JSON and form)', async () => {
  let checked = 0;
  for (const { eventType, payload } of allExamplePayloads()) {
    for (const encoding of ['json', 'form'] as const) {
      for (const envelope of await dispatched(eventType, payload, encoding)) {
        const body = toServiceBusMessage({ bot: 'b', queue: 'q', sessionId: 's', messageId: envelope.eventId, envelope }).body as Buffer;
        const before = Buffer.from(JSON.stringify(envelope));
        assert.deepEqual(parseEnvelope(body), parseEnvelope(before), `${eventType} ${encoding}`);
        assert.deepEqual(parseEnvelope(body).payload, payload);
        assert.equal((JSON.parse(body.toString('utf8')) as { schemaVersion: unknown }).schemaVersion, 1);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `${checked} envelopes checked`);
});

test('the message carries the bytes GitHub signed: whitespace and key order as sent, one copy per webhook for every bot', async () => {
  const pretty = JSON.stringify(
    {
      zen: 'kept as sent',
      action: 'opened',
      number: 1,
      pull_request: { number: 1 },
      repository: { id: 1, name: 'r', full_name: 'o/r', owner: { login: 'o' } },
    },
    null,
    2,
  );
  const [first, ...others] = await dispatched('pull_request', pretty);
  assert.ok(others.length > 0, 'several bots take it');
  const bytes = envelopeBytes(first!);
  assert.ok(bytes.toString('utf8').endsWith(`,"payload":${pretty}}`));
  for (const other of others) assert.equal(envelopeBytes(other), bytes, 'the same Buffer for every bot');
});

test('a payload at the depth limit travels to the bot and back without recursion trouble', async () => {
  const depth = 500;
  const payload = `{"action":"opened","pull_request":{"number":7},"number":7,"repository":{"id":1,"name":"r","full_name":"o/r","owner":{"login":"o"}},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const [envelope] = await dispatched('pull_request', payload);
  const parsed = parseEnvelope(envelopeBytes(envelope!));
  assert.ok(JSON.stringify(parsed.payload).length > 2 * depth, 'an http target can re-serialise it');
});
