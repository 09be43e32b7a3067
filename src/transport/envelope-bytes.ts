import type { EventEnvelope } from '../envelope/event-envelope.js';

const serialised = new WeakMap<EventEnvelope, Buffer>();

/**
 * The envelope as UTF-8 JSON, serialised once however many bots receive it and whoever asks
 * (the claim-check size decision, then every bot's message): a 24 KB envelope to five bots
 * would otherwise be stringified six times per webhook. Envelopes are not changed once built.
 */
export function envelopeBytes(envelope: EventEnvelope): Buffer {
  let bytes = serialised.get(envelope);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    serialised.set(envelope, bytes);
  }
  return bytes;
}
