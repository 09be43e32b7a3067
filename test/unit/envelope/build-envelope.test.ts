import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildEnvelope } from '../../../src/envelope/build-envelope.js';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { RECEIVED_AT, envelopeFor } from '../../support/envelopes.js';
import { action, allExamples, exampleEventTypes, exampleOf } from '../../support/webhook-examples.js';

test('every example of @octokit/webhooks-examples builds an envelope that survives the queue', () => {
  const examples = allExamples();
  assert.equal(examples.length, 329);
  assert.equal(new Set(examples.map((example) => example.eventType)).size, 58);

  for (const { eventType, index, payload } of examples) {
    const where = `${eventType}[${index}]`;
    const envelope = envelopeFor(eventType, payload);
    assert.equal(envelope.schemaVersion, 1, where);
    assert.equal(envelope.eventType, eventType, where);
    assert.equal(envelope.action, typeof payload['action'] === 'string' ? payload['action'] : null, where);
    assert.equal(envelope.payload, payload, `${where}: the payload is kept, not copied`);
    assert.equal(envelope.repository === null, envelope.entityType === 'none', `${where}: no repository ⇔ no entity`);
    assert.equal(
      envelope.entityId === null,
      envelope.entityType === 'repository' || envelope.entityType === 'none',
      `${where}: an entity always has an id`,
    );
    // What the processing side will read back from the message body.
    assert.deepEqual(parseEnvelope(JSON.stringify(envelope)), JSON.parse(JSON.stringify(envelope)), where);
  }
});

test('a pull_request.opened envelope carries the headers, the parties and the PR as its entity', () => {
  const payload = exampleOf('pull_request', action('opened'));
  const { payload: kept, ...envelope } = envelopeFor('pull_request', payload);
  assert.equal(kept, payload);
  assert.deepEqual(envelope, {
    schemaVersion: 1,
    eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    eventType: 'pull_request',
    action: 'opened',
    repository: { owner: 'Codertocat', name: 'Hello-World', fullName: 'Codertocat/Hello-World', id: 186853002 },
    entityType: 'pull_request',
    entityId: '2',
    sender: { login: 'Codertocat', id: 21031067, type: 'User' },
    installationId: payload['installation'] === undefined ? null : (payload['installation'] as JsonObject)['id'],
    metadata: {
      receivedAt: RECEIVED_AT.toISOString(),
      hookId: '123456',
      targetType: 'repository',
      targetId: '1296269',
      contentType: 'application/json',
      userAgent: 'GitHub-Hookshot/044aadd',
      occurredAt: new Date(String((payload['pull_request'] as JsonObject)['updated_at'])).toISOString(),
    },
  });
});

test('optional headers that were not sent become null', () => {
  const envelope = buildEnvelope({
    eventType: 'push',
    deliveryId: 'd-1',
    payload: exampleOf('push'),
    receivedAt: RECEIVED_AT,
    contentType: 'application/x-www-form-urlencoded',
  });
  assert.deepEqual(
    [envelope.metadata.hookId, envelope.metadata.targetType, envelope.metadata.targetId, envelope.metadata.userAgent],
    [null, null, null, null],
  );
  assert.equal(envelope.metadata.contentType, 'application/x-www-form-urlencoded');
});

test('any JSON object, under any event name, builds a valid envelope (GitHub adds events and fields)', () => {
  const eventType = fc.oneof(fc.constantFrom(...exampleEventTypes), fc.string());
  // Shapes near GitHub's: the keys the extractors read, holding anything.
  const nearGitHub = fc.record(
    {
      action: fc.jsonValue(),
      repository: fc.oneof(
        fc.jsonValue(),
        fc.record(
          { id: fc.oneof(fc.integer(), fc.double()), name: fc.string(), full_name: fc.string(), owner: fc.record({ login: fc.string() }) },
          { requiredKeys: [] },
        ),
      ),
      pull_request: fc.jsonValue(),
      issue: fc.jsonValue(),
      ref: fc.jsonValue(),
      ref_type: fc.jsonValue(),
      check_run: fc.jsonValue(),
      workflow_run: fc.record({ pull_requests: fc.array(fc.jsonValue()), head_branch: fc.jsonValue(), updated_at: fc.jsonValue() }),
      branches: fc.jsonValue(),
      sender: fc.oneof(fc.jsonValue(), fc.record({ login: fc.string(), id: fc.oneof(fc.integer(), fc.double()), type: fc.jsonValue() })),
      installation: fc.jsonValue(),
      head_commit: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const payload = fc.oneof(nearGitHub, fc.dictionary(fc.string(), fc.jsonValue())) as fc.Arbitrary<JsonObject>;
  fc.assert(
    fc.property(eventType, payload, (eventType, payload) => {
      const envelope = buildEnvelope({ eventType, deliveryId: 'd-1', payload, receivedAt: RECEIVED_AT, contentType: 'application/json' });
      const eventTypeForQueue = eventType === '' ? 'x' : eventType; // the ingress refuses an empty X-GitHub-Event
      parseEnvelope(JSON.stringify({ ...envelope, eventType: eventTypeForQueue }));
    }),
    { numRuns: 2000 },
  );
});
