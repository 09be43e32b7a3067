import { isPermanent, retryAfterMsOf } from '../errors/delivery-errors.js';

/** The longest single wait between two attempts (unless the target asks for more with Retry-After). */
const MAX_BACKOFF_MS = 30_000;

export interface RetryInPlaceOptions {
  /** When the retries must stop (ms since the epoch): the invocation's start + `maxRetryDuration`. */
  deadline: number;
  /** The first wait; doubled per retry, up to MAX_BACKOFF_MS. */
  firstDelayMs: number;
  /** Any of these aborting ends the wait at once and gives the last failure back (host shutdown, functionTimeout). */
  signals: readonly AbortSignal[];
  now: () => number;
  /** Waits `ms` or until a signal aborts; resolves false when aborted. */
  wait: (ms: number, signals: readonly AbortSignal[]) => Promise<boolean>;
  /** [0, 1): jitter. */
  random: () => number;
  /** Told before each wait: the failure, the retry number (1-based) and the wait. */
  onRetry: (error: unknown, retry: number, waitMs: number) => void;
}

export interface RetryOutcome<T> {
  value: T;
  /** How many times the step was tried again before it succeeded. */
  retries: number;
}

/**
 * Runs `step` until it succeeds, retrying a transient failure in place with exponential backoff
 * and equal jitter (half fixed, half random, so sessions failing together do not retry in step),
 * or after the target's Retry-After when it gave one (never earlier), until the deadline. A
 * permanent failure, an exhausted budget or an abort gives the last failure back to the caller
 * (who abandons the message: one delivery attempt spent). A Retry-After beyond the deadline is
 * waited out as far as the budget allows, so the next delivery comes no sooner than necessary.
 */
export async function retryInPlace<T>(step: () => Promise<T>, options: RetryInPlaceOptions): Promise<RetryOutcome<T>> {
  for (let retries = 0; ; retries++) {
    try {
      return { value: await step(), retries };
    } catch (error) {
      if (isPermanent(error) || options.signals.some((signal) => signal.aborted)) throw error;
      const remaining = options.deadline - options.now();
      if (remaining <= 0) throw error;
      const asked = retryAfterMsOf(error);
      const backoff = Math.min(MAX_BACKOFF_MS, options.firstDelayMs * 2 ** Math.min(retries, 30));
      const wanted = asked ?? Math.round(backoff / 2 + options.random() * (backoff / 2));
      const waitMs = Math.min(wanted, remaining);
      options.onRetry(error, retries + 1, waitMs);
      const waited = await options.wait(waitMs, options.signals);
      // Aborted, or the target asked for longer than the budget allows: hand the failure back.
      if (!waited || (asked !== undefined && asked > remaining)) throw error;
    }
  }
}

/** `setTimeout` that any of the signals cuts short; false when one did. */
export function abortableWait(ms: number, signals: readonly AbortSignal[]): Promise<boolean> {
  if (signals.some((signal) => signal.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (completed: boolean) => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
  });
}
