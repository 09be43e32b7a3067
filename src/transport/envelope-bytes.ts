import type { EventEnvelope, InlineEventEnvelope } from '../envelope/event-envelope.js';

const serialised = new WeakMap<EventEnvelope, Buffer>();

/**
 * The envelope as UTF-8 JSON, serialised once however many bots receive it and whoever asks
 * (every bot's message): a 24 KB envelope to five bots would otherwise be stringified five
 * times per webhook. Envelopes are not changed once built.
 */
export function envelopeBytes(envelope: EventEnvelope): Buffer {
  let bytes = serialised.get(envelope);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    serialised.set(envelope, bytes);
  }
  return bytes;
}

const PAYLOAD_MEMBER = Buffer.from(',"payload":');
const CLOSE = Buffer.from('}');

/**
 * An inline envelope's message body built around the payload's raw JSON bytes (what GitHub
 * signed, already checked to be one JSON object) instead of `JSON.stringify` of the parsed
 * payload: no second pass over a large payload, and no recursion however it nests. The result
 * is the same envelope JSON (schemaVersion 1; `payload` is simply the last member), so
 * `parseEnvelope` reads it as before. Plans the size first so the claim-check decision costs
 * nothing; `bytes()` builds (once) and remembers the body for `envelopeBytes`.
 */
export function planInlineEnvelope(envelope: InlineEventEnvelope, payloadJson: Buffer): { size: number; bytes(): Buffer } {
  const { payload: _payload, ...fields } = envelope;
  const head = Buffer.from(JSON.stringify(fields), 'utf8');
  const size = head.byteLength - 1 + PAYLOAD_MEMBER.byteLength + payloadJson.byteLength + CLOSE.byteLength;
  return {
    size,
    bytes() {
      let bytes = serialised.get(envelope);
      if (bytes === undefined) {
        // `head` ends with the `}` of the fields object: the payload goes in just before it.
        bytes = Buffer.concat([head.subarray(0, head.byteLength - 1), PAYLOAD_MEMBER, payloadJson, CLOSE], size);
        serialised.set(envelope, bytes);
      }
      return bytes;
    },
  };
}
