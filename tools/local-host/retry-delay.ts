/**
 * How long a pump waits before it tries a failed accept / receive again: 1 s after the first failure,
 * doubling up to 30 s, so a broker that keeps failing is not spun on (the SDK's own retries come first).
 */
export function retryDelayMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
}
