import { isUtf8 } from 'node:buffer';
import type { JsonObject } from '../envelope/event-envelope.js';
import { MAX_PAYLOAD_DEPTH, nestsDeeperThan } from './payload-depth.js';
import { WebhookRejection } from './webhook-rejection.js';

export const WEBHOOK_CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;
export type WebhookContentType = (typeof WEBHOOK_CONTENT_TYPES)[number];

/** The media type of a Content-Type header (parameters such as charset dropped), or a 415. */
export function webhookContentType(header: string | null): WebhookContentType {
  if (header === 'application/json') return header; // what GitHub sends for a JSON webhook: nothing to split or lower-case
  const mediaType = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  const known = WEBHOOK_CONTENT_TYPES.find((type) => type === mediaType);
  if (known === undefined) {
    throw new WebhookRejection(
      415,
      'unsupported_content_type',
      `Content-Type must be application/json or application/x-www-form-urlencoded, got ${header === null ? 'none' : `"${header.slice(0, 100)}"`}`,
    );
  }
  return known;
}

export interface ParsedWebhookBody {
  payload: JsonObject;
  /**
   * The payload's JSON text as raw UTF-8 bytes: the verified body itself for JSON (no copy, a
   * leading BOM left out), the decoded `payload` field for a form. What the envelope message
   * carries and a claim check stores, byte for byte, instead of a re-serialisation.
   */
  payloadBytes: Buffer;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Parses a verified body, once. GitHub's form encoding puts the JSON in a `payload` field; the
 * signature covers the encoded body, so this runs only after verification. Errors never quote
 * the body (V8's JSON errors do), because it may hold private repository content.
 */
export function parseWebhookBody(contentType: WebhookContentType, body: Buffer): ParsedWebhookBody {
  // Bytes that are not UTF-8 are refused, not silently replaced (`isUtf8` validates in one fast
  // pass; `toString` then decodes without the per-call cost of a fatal TextDecoder). A leading BOM is dropped.
  const unmarked = startsWithBom(body) ? body.subarray(UTF8_BOM.length) : body;
  if (!isUtf8(unmarked)) throw malformed('the body is not valid UTF-8');
  let text = unmarked.toString('utf8');
  let payloadBytes: Buffer;
  if (contentType === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(text).get('payload');
    if (field === null) throw malformed('the form-encoded body has no "payload" field');
    text = field;
    payloadBytes = Buffer.from(field, 'utf8');
  } else {
    payloadBytes = unmarked;
  }
  const where = contentType === 'application/json' ? 'body' : '"payload" field';
  if (nestsDeeperThan(payloadBytes)) {
    throw new WebhookRejection(
      400,
      'payload_too_deep',
      `the ${where} nests objects or arrays deeper than ${MAX_PAYLOAD_DEPTH} levels; GitHub's payloads never do`,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw malformed(`the ${where} is not valid JSON`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw malformed('the payload must be a JSON object');
  }
  return { payload: payload as JsonObject, payloadBytes };
}

function startsWithBom(bytes: Buffer): boolean {
  return bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
}

function malformed(detail: string): WebhookRejection {
  return new WebhookRejection(400, 'malformed_body', detail);
}
