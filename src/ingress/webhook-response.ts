import type { HttpResponseInit } from '@azure/functions';
import type { WebhookRejection } from './webhook-rejection.js';

export function jsonResponse(status: number, body: Record<string, unknown>): HttpResponseInit {
  return { status, jsonBody: body };
}

/** `{error, detail}`: `error` is the machine-readable reason, `detail` says what to fix. */
export function rejectionResponse(rejection: WebhookRejection): HttpResponseInit {
  return jsonResponse(rejection.status, { error: rejection.reason, detail: rejection.detail });
}
