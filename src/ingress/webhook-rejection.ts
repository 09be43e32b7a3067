/**
 * Why the webhook refused a delivery. The reason is the machine-readable `error` of the
 * JSON answer and the `reason` of the rejection telemetry, so dashboards and GitHub's
 * "Recent deliveries" page say the same thing.
 */
export type RejectionReason =
  | 'no_secret_configured'
  | 'missing_headers'
  | 'bad_delivery_id'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'empty_body'
  | 'malformed_body'
  | 'payload_too_deep'
  | 'payload_mismatch'
  | 'bad_signature'
  | 'payload_conflict'
  | 'queues_unavailable'
  | 'storage_unavailable'
  | 'internal_error';

/** Thrown by the steps of the webhook; the handler turns it into `{error, detail}` with `status`. */
export class WebhookRejection extends Error {
  override readonly name = 'WebhookRejection';
  constructor(
    readonly status: number,
    readonly reason: RejectionReason,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${status} ${reason}: ${detail}`, options);
  }
}
