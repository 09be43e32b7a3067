import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { toServiceBusMessage } from '../../../src/transport/to-service-bus-message.js';
import { example } from '../../support/example-payloads.js';

const envelope = (overrides: Partial<EventEnvelope>): EventEnvelope =>
  ({
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    eventType: 'pull_request',
    action: 'opened',
    repository: { owner: 'Codertocat', name: 'Hello-World', fullName: 'Codertocat/Hello-World', id: 186853002 },
    entityType: 'pull_request',
    entityId: '2',
    sender: { login: 'Codertocat', id: 21031067, type: 'User' },
    installationId: null,
    payload: example('pull_request', 'opened'),
    metadata: {
      receivedAt: '2026-11-26T17:00:00.000Z',
      hookId: '1',
      targetType: 'repository',
      targetId: '186853002',
      contentType: 'application/json',
      userAgent: 'GitHub-Hookshot/abc',
      occurredAt: null,
    },
    ...overrides,
  }) as EventEnvelope;

test('the message carries the envelope as JSON bytes, the session and delivery ids, and filterable properties', () => {
  const sent = envelope({});
  const message = toServiceBusMessage({
    bot: 'merge-warden',
    queue: 'bot-merge-warden',
    sessionId: 'pr-Codertocat/Hello-World-2',
    messageId: sent.eventId,
    envelope: sent,
  });
  assert.ok(Buffer.isBuffer(message.body), 'a data section, which the Functions host can read');
  assert.deepEqual(JSON.parse(message.body.toString('utf8')), sent);
  assert.equal(message.contentType, 'application/json');
  assert.equal(message.sessionId, 'pr-Codertocat/Hello-World-2');
  assert.equal(message.messageId, sent.eventId);
  assert.equal(message.subject, 'opened');
  assert.deepEqual(message.applicationProperties, {
    eventType: 'pull_request',
    action: 'opened',
    bot: 'merge-warden',
    entityType: 'pull_request',
    repository: 'Codertocat/Hello-World',
  });
});

test('an event without action has the event type as subject; one without repository has a null repository property', () => {
  const sent = envelope({ eventType: 'installation', action: null, repository: null, entityType: 'none', entityId: null });
  const message = toServiceBusMessage({ bot: 'b', queue: 'q', sessionId: sent.eventId, messageId: sent.eventId, envelope: sent });
  assert.equal(message.subject, 'installation');
  assert.equal(message.applicationProperties?.['action'], null);
  assert.equal(message.applicationProperties?.['repository'], null);
});

test('a message for a queue without sessions (strategy none) carries no SessionId at all', () => {
  const sent = envelope({});
  const message = toServiceBusMessage({
    bot: 'unordered',
    queue: 'bot-unordered',
    sessionId: undefined,
    messageId: sent.eventId,
    envelope: sent,
  });
  assert.equal('sessionId' in message, false, 'no session to name');
  assert.equal(message.messageId, sent.eventId);
});
