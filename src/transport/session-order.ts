import { TransientError } from '../errors/delivery-errors.js';

/**
 * Keeps sends with the same key (queue + session) in the order they were started, within this
 * process: a send starts only once every earlier send with its key has settled, accepted or
 * finally failed. Different keys never wait on each other.
 */
export interface SessionOrder {
  /**
   * Runs `send` after every earlier `run` with this key has settled. The place in line is taken
   * synchronously, when `run` is called. If `signal` aborts while waiting, rejects with a
   * TransientError and `send` never runs. `send` is told whether it had to wait.
   */
  run<T>(key: string, signal: AbortSignal, send: (waited: boolean) => Promise<T>): Promise<T>;
  /** Keys with a send waiting or in flight; 0 when idle (entries are removed, so memory does not grow with sessions). */
  readonly pendingKeys: number;
}

export function createSessionOrder(): SessionOrder {
  // The tail of each key's line: settles (never rejects) once every send in line has settled.
  const tails = new Map<string, Promise<void>>();

  return {
    run<T>(key: string, signal: AbortSignal, send: (waited: boolean) => Promise<T>): Promise<T> {
      const previous = tails.get(key);
      const mine = previous === undefined ? send(false) : untilSettled(previous, signal).then(() => send(true));
      // A send that gave up waiting must still not let the next one overtake the one it waited for.
      const tail = Promise.allSettled([previous, mine]).then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      tails.set(key, tail);
      return mine;
    },
    get pendingKeys() {
      return tails.size;
    },
  };
}

/** Resolves when `previous` settles (it never rejects), or rejects if `signal` aborts first. */
function untilSettled(previous: Promise<void>, signal: AbortSignal): Promise<void> {
  const ranOut = () => new TransientError('the send budget ran out while an earlier event of the same session was still being sent');
  if (signal.aborted) return Promise.reject(ranOut());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(ranOut());
    signal.addEventListener('abort', onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
