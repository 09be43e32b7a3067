import type { EntityType, JsonObject, RepositoryRef, SenderRef } from '../github/event-refs.js';

// The parts that say what GitHub sent are defined with the code that reads them from a payload
// (src/github), so github/ does not import the envelope that carries them.
export type { EntityType, JsonObject, RepositoryRef, SenderRef };

/**
 * The message body every bot receives (DESIGN.md, "Envelope"). Versioned so a bot can refuse
 * a shape it does not know instead of misreading it.
 */
export const ENVELOPE_SCHEMA_VERSION = 1;

/** Claim check: where a payload too large for a message was stored. */
export interface PayloadRef {
  container: string;
  blobName: string;
  size: number;
  sha256: string;
}

export interface EnvelopeMetadata {
  /** ISO 8601, when the router received the delivery (time partitions derive from this, never from "now"). */
  receivedAt: string;
  hookId: string | null;
  targetType: string | null;
  targetId: string | null;
  contentType: string;
  userAgent: string | null;
  /** ISO 8601, from the payload's own updated_at / created_at where present: GitHub does not deliver in order. */
  occurredAt: string | null;
}

interface EnvelopeFields {
  schemaVersion: typeof ENVELOPE_SCHEMA_VERSION;
  eventId: string;
  eventType: string;
  action: string | null;
  repository: RepositoryRef | null;
  entityType: EntityType;
  entityId: string | null;
  sender: SenderRef | null;
  installationId: number | null;
  metadata: EnvelopeMetadata;
}

export type EventEnvelope =
  (EnvelopeFields & { payload: JsonObject; payloadRef?: undefined }) | (EnvelopeFields & { payload?: undefined; payloadRef: PayloadRef });

/** An envelope before the claim-check decision: the payload is always in hand. */
export type InlineEventEnvelope = Extract<EventEnvelope, { payload: JsonObject }>;
