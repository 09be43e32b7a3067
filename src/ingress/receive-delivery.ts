import type { HttpRequest } from '@azure/functions';
import type { JsonObject } from '../envelope/event-envelope.js';
import { checkPayloadFitsEvent } from './check-payload-fits-event.js';
import { getMissingHeaders } from './get-missing-headers.js';
import { parseWebhookBody, webhookContentType, type WebhookContentType } from './parse-webhook-body.js';
import { readBodyWithLimit } from './read-body.js';
import { isValidDeliveryId } from './validate-delivery-id.js';
import { verifySignature } from './verify-signature.js';
import { WebhookRejection } from './webhook-rejection.js';

/** A delivery whose signature has been verified and whose payload has been parsed. */
export interface VerifiedDelivery {
  deliveryId: string;
  eventType: string;
  payload: JsonObject;
  /** The payload's JSON as the raw bytes GitHub signed (form: the decoded field): what the message carries. */
  payloadBytes: Buffer;
  /**
   * The body's verified HMAC-SHA256 (hex, the `X-Hub-Signature-256` digest that matched): a replay
   * of the body is recognised by it, with no second hash over the bytes.
   */
  signatureDigest: string;
  contentType: WebhookContentType;
  hookId: string | null;
  targetType: string | null;
  targetId: string | null;
  userAgent: string | null;
  bodyBytes: number;
  /** Which configured secret verified it: 0 = current, 1 = previous (a rotation in progress). */
  secretIndex: number;
}

export interface ReceiveOptions {
  secrets: readonly string[];
  maxBodyBytes: number;
}

/**
 * Everything GitHub's request must satisfy before anything is routed, cheapest check first:
 * headers, delivery id and content type before reading the body; the body within its limit;
 * the HMAC over the raw bytes before trusting a byte of it; then the JSON, parsed once, and
 * whether it fits the event it claims to be.
 */
export async function receiveDelivery(request: HttpRequest, { secrets, maxBodyBytes }: ReceiveOptions): Promise<VerifiedDelivery> {
  if (secrets.length === 0) {
    throw new WebhookRejection(
      500,
      'no_secret_configured',
      'the webhook secret is not configured (GITHUB_WEBHOOK_SECRET); every delivery is refused until it is',
    );
  }
  // The Headers object once: each `request.headers` is a brand-checked getter, each `get` a lookup.
  const headers = request.headers;
  const header = (name: string) => headers.get(name)?.trim() || null;
  const eventType = header('x-github-event');
  const deliveryId = header('x-github-delivery');
  const signatureHeader = header('x-hub-signature-256');
  if (eventType === null || deliveryId === null || signatureHeader === null) {
    const missing = getMissingHeaders(headers);
    throw new WebhookRejection(400, 'missing_headers', `missing required header${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
  if (!isValidDeliveryId(deliveryId)) {
    throw new WebhookRejection(
      400,
      'bad_delivery_id',
      'X-GitHub-Delivery must be a GUID-like id: letters, digits and dashes, at most 128 characters',
    );
  }
  const contentType = webhookContentType(headers.get('content-type'));

  const body = await readBodyWithLimit(request, maxBodyBytes);
  if (body.byteLength === 0) throw new WebhookRejection(400, 'empty_body', 'the request body is empty');

  const signature = verifySignature(secrets, body, signatureHeader);
  if (!signature.valid) {
    throw new WebhookRejection(401, 'bad_signature', 'X-Hub-Signature-256 does not match the body for any configured secret');
  }

  const { payload, payloadBytes } = parseWebhookBody(contentType, body);
  checkPayloadFitsEvent(eventType, payload);
  return {
    deliveryId,
    eventType,
    payload,
    payloadBytes,
    signatureDigest: signature.digest,
    contentType,
    hookId: header('x-github-hook-id'),
    targetType: header('x-github-hook-installation-target-type'),
    targetId: header('x-github-hook-installation-target-id'),
    userAgent: header('user-agent'),
    bodyBytes: body.byteLength,
    secretIndex: signature.secretIndex,
  };
}
