import { extractEntityIn } from '../github/extract-entity.js';
import { installationIdOf } from '../github/installation-id.js';
import { occurredAtOf } from '../github/occurred-at.js';
import { repositoryOf } from '../github/repository-ref.js';
import { senderOf } from '../github/sender-ref.js';
import { ENVELOPE_SCHEMA_VERSION, type InlineEventEnvelope, type JsonObject } from './event-envelope.js';

export interface EnvelopeInput {
  /** X-GitHub-Event */
  eventType: string;
  /** X-GitHub-Delivery: becomes `eventId`, the MessageId the broker deduplicates on. */
  deliveryId: string;
  payload: JsonObject;
  receivedAt: Date;
  contentType: string;
  hookId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  userAgent?: string | null;
}

/**
 * Headers + parsed payload → the envelope every bot receives. Runs on the webhook's hot path:
 * it only reads the fields it needs and keeps the payload by reference (no copy). Never
 * throws on a payload shape: unknown or odd events become repository-level or `none`.
 */
export function buildEnvelope(input: EnvelopeInput): InlineEventEnvelope {
  const { eventType, payload } = input;
  const repository = repositoryOf(payload);
  const { entityType, entityId } = extractEntityIn(eventType, payload, repository);
  const action = payload['action'];
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: input.deliveryId,
    eventType,
    action: typeof action === 'string' ? action : null,
    repository,
    entityType,
    entityId,
    sender: senderOf(payload),
    installationId: installationIdOf(payload),
    payload,
    metadata: {
      receivedAt: input.receivedAt.toISOString(),
      hookId: input.hookId ?? null,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      contentType: input.contentType,
      userAgent: input.userAgent ?? null,
      occurredAt: occurredAtOf(eventType, payload),
    },
  };
}
