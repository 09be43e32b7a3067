/**
 * The one split that decides what happens to a message or a request:
 * transient = try again (throw so the host abandons; 503 at the ingress),
 * permanent = trying again cannot help (record as poison; 4xx at the ingress).
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly transient = true;
  /** How long the other side asked us to wait before trying again (an http target's `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly transient = false;
  /** A short machine-readable reason, e.g. `MalformedEnvelope`, `ClaimCheckMissing`, `TargetRejected`. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Unknown errors count as transient: retrying a permanent failure costs a few deliveries, dropping a transient one loses an event. */
export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/** The wait a transient failure asked for, if any. */
export function retryAfterMsOf(error: unknown): number | undefined {
  return error instanceof TransientError ? error.retryAfterMs : undefined;
}
