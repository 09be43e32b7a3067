import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError, PermanentError } from '../errors/delivery-errors.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 2_000 };

/**
 * Service Bus error codes that another attempt cannot fix. Not the SDK's `retryable` flag: it
 * marks a refused connection (a broker restarting, a network blip) as not retryable too.
 */
const PERMANENT_CODES = new Set(['MessagingEntityNotFound', 'MessagingEntityDisabled', 'MessageSizeExceeded', 'UnauthorizedAccess']);

/**
 * Runs `send` until it succeeds, `signal` aborts (the time budget), or the error is one of the
 * permanent codes above. Exponential backoff with full jitter, so a burst of deliveries that
 * failed together does not retry in lockstep. Returns the number of attempts.
 */
export async function sendWithRetry(
  send: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<number> {
  let lastError: unknown = new Error('the send budget ran out before the first attempt');
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await send(signal);
      return attempt;
    } catch (error) {
      // An abort mid-send says nothing about the queue: report the failure before it.
      if (!signal.aborted || attempt === 1) lastError = error;
      if (!isRetryable(error)) throw new PermanentError('SendRejected', describeSendError(error), { cause: error });
    }
    const delay = Math.random() * Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
  throw new TransientError(`gave up when the send budget ran out: ${describeSendError(lastError)}`, { cause: lastError });
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && PERMANENT_CODES.has(code));
}

/** A short description for logs and the 503 detail; SDK messages name hosts and entities, never keys. */
export function describeSendError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  if (error instanceof TransientError || error instanceof PermanentError) return error.message.slice(0, 300);
  const code = (error as { code?: unknown }).code;
  const prefix = typeof code === 'string' ? `${code}: ` : `${error.name}: `;
  return (prefix + error.message).slice(0, 300);
}
