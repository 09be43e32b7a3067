import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { isPermanent } from '../../../src/errors/delivery-errors.js';
import { envelopeFor } from '../../support/envelopes.js';
import { action, exampleOf } from '../../support/webhook-examples.js';

const wire = () => JSON.parse(JSON.stringify(envelopeFor('issues', exampleOf('issues', action('opened'))))) as Record<string, unknown>;

function assertMalformed(body: unknown, ...named: string[]): void {
  assert.throws(
    () => parseEnvelope(body),
    (error: unknown) => {
      assert.ok(isPermanent(error), 'a malformed message cannot be fixed by retrying');
      assert.equal(error.reason, 'MalformedEnvelope');
      for (const field of named) assert.match((error as Error).message, new RegExp(field.replace(/\./g, '\\.')));
      return true;
    },
  );
}

test('accepts the envelope as an object, a JSON string, a Buffer or bytes', () => {
  const body = wire();
  const text = JSON.stringify(body);
  for (const form of [body, text, Buffer.from(text), new Uint8Array(Buffer.from(text)), Buffer.from(text).buffer.slice(0)]) {
    const envelope = parseEnvelope(form);
    assert.equal(envelope.eventId, body['eventId']);
    assert.equal(envelope.entityType, 'issue');
  }
});

test('accepts a claim-checked envelope (payloadRef instead of payload)', () => {
  const { payload: _payload, ...rest } = wire();
  const payloadRef = { container: 'webhook-payloads', blobName: '2026/11/26/d-1.json', size: 30_000, sha256: 'a'.repeat(64) };
  const envelope: EventEnvelope = parseEnvelope({ ...rest, payloadRef });
  assert.deepEqual(envelope.payloadRef, payloadRef);
  assert.equal(envelope.payload, undefined);
});

test('refuses a message with both or neither of payload and payloadRef', () => {
  const { payload: _payload, ...withNeither } = wire();
  assertMalformed(withNeither, 'payload, payloadRef');
  const withBoth = { ...wire(), payloadRef: { container: 'c', blobName: 'b', size: 1, sha256: 'b'.repeat(64) } };
  assertMalformed(withBoth, 'payload, payloadRef');
});

test('names the field that is wrong', () => {
  const body = wire();
  delete (body['metadata'] as Record<string, unknown>)['receivedAt'];
  assertMalformed(body, 'metadata.receivedAt');

  assertMalformed({ ...wire(), schemaVersion: 2 }, 'schemaVersion');
  assertMalformed({ ...wire(), entityType: 'gist' }, 'entityType');
  assertMalformed({ ...wire(), repository: { owner: 'o' } }, 'repository.name', 'repository.fullName', 'repository.id');
  assertMalformed({ ...wire(), payload: [1, 2] }, 'payload');
});

test('tolerates missing informational metadata, reading it as null', () => {
  const body = wire();
  const metadata = body['metadata'] as Record<string, unknown>;
  delete metadata['hookId'];
  delete metadata['userAgent'];
  delete metadata['occurredAt'];
  const envelope = parseEnvelope(body);
  assert.equal(envelope.metadata.hookId, null);
  assert.equal(envelope.metadata.userAgent, null);
  assert.equal(envelope.metadata.occurredAt, null);
});

test('refuses bodies that are not JSON objects', () => {
  assertMalformed('{"eventId": ', 'not JSON');
  assertMalformed(Buffer.from('<xml/>'), 'not JSON');
  assertMalformed(null, '\\(body\\)');
  assertMalformed(42, '\\(body\\)');
});
