import type { JsonObject } from '../envelope/event-envelope.js';
import { WebhookRejection } from './webhook-rejection.js';

export const WEBHOOK_CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;
export type WebhookContentType = (typeof WEBHOOK_CONTENT_TYPES)[number];

/** The media type of a Content-Type header (parameters such as charset dropped), or a 415. */
export function webhookContentType(header: string | null): WebhookContentType {
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
  /** The payload's JSON text exactly as GitHub sent it (the form field, decoded): what a claim check stores. */
  payloadText: string;
}

/**
 * Parses a verified body. GitHub's form encoding puts the JSON in a `payload` field; the
 * signature covers the encoded body, so this runs only after verification. Errors never quote
 * the body (V8's JSON errors do), because it may hold private repository content.
 */
export function parseWebhookBody(contentType: WebhookContentType, body: string): ParsedWebhookBody {
  let payloadText = body;
  if (contentType === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(body).get('payload');
    if (field === null) throw malformed('the form-encoded body has no "payload" field');
    payloadText = field;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    throw malformed(`the ${contentType === 'application/json' ? 'body' : '"payload" field'} is not valid JSON`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw malformed('the payload must be a JSON object');
  }
  return { payload: payload as JsonObject, payloadText };
}

function malformed(detail: string): WebhookRejection {
  return new WebhookRejection(400, 'malformed_body', detail);
}
