import type { EventEnvelope } from '../envelope/event-envelope.js';

/**
 * Turns an envelope into the key its messages are ordered by, or null for "no ordering"
 * (the message then gets its delivery id as SessionId: alone in its session, fully parallel).
 * Must be pure: the same envelope always yields the same key, or ordering breaks.
 */
export interface SessionKeyGenerator {
  generateKey(envelope: EventEnvelope): string | null;
}
