import { buildEnvelope, type EnvelopeInput } from '../../src/envelope/build-envelope.js';
import type { InlineEventEnvelope, JsonObject } from '../../src/envelope/event-envelope.js';

export const RECEIVED_AT = new Date('2026-11-26T12:00:00.000Z');

/** An envelope as the webhook would build it, with realistic headers. */
export function envelopeFor(eventType: string, payload: JsonObject, overrides: Partial<EnvelopeInput> = {}): InlineEventEnvelope {
  return buildEnvelope({
    eventType,
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    payload,
    receivedAt: RECEIVED_AT,
    contentType: 'application/json',
    hookId: '123456',
    targetType: 'repository',
    targetId: '1296269',
    userAgent: 'GitHub-Hookshot/044aadd',
    ...overrides,
  });
}
