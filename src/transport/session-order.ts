import { TransientError } from '../errors/delivery-errors.js';

/**
 * Keeps sends with the same key (queue + session) in the order their places were reserved,
 * within this process: a send starts only once every earlier place with its key has been given
 * up or its send has settled, accepted or finally failed. Different keys never wait on each other.
 */
export interface SessionOrder {
  /**
   * Takes the next place in `key`'s line, synchronously. Every later send with the key waits
   * until this ticket has run its send to the end or been released, so the holder must do one of
   * the two on every path (`release` in a `finally` is safe: it does nothing once `run` was called).
   */
  reserve(key: string): SessionTicket;
  /** Keys with a place reserved or a send in flight; 0 when idle (entries are removed, so memory does not grow with sessions). */
  readonly pendingKeys: number;
}

export interface SessionTicket {
  /**
   * Runs `send` once every earlier place with this key has been released or its send settled.
   * If `signal` aborts while waiting, rejects with a TransientError and `send` never runs.
   * `send` is told whether it had to wait. A ticket runs once.
   */
  run<T>(signal: AbortSignal, send: (waited: boolean) => Promise<T>): Promise<T>;
  /** Gives the place up without sending; does nothing once `run` was called or after an earlier `release`. */
  release(): void;
}

export function createSessionOrder(): SessionOrder {
  // The tail of each key's line: settles (never rejects) once every place in line is done.
  const tails = new Map<string, Promise<void>>();

  return {
    reserve(key: string): SessionTicket {
      const previous = tails.get(key);
      let previousDone = previous === undefined;
      void previous?.then(() => (previousDone = true));
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      // A send that gave up waiting must still not let the next one overtake the one it waited for.
      const tail = Promise.all([previous, mine]).then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      tails.set(key, tail);

      let used = false;
      return {
        run<T>(signal: AbortSignal, send: (waited: boolean) => Promise<T>): Promise<T> {
          if (used) throw new Error(`the place in line for ${key} was already used or released`);
          used = true;
          const waited = !previousDone;
          // An async body: whatever `send` does, even throw synchronously, the place is given up when it settles.
          const result = (async () => {
            if (waited) await untilDone(previous!, signal);
            return send(waited);
          })();
          void result.then(done, done);
          return result;
        },
        release() {
          if (used) return;
          used = true;
          done();
        },
      };
    },
    get pendingKeys() {
      return tails.size;
    },
  };
}

/** Resolves when `previous` settles (it never rejects), or rejects if `signal` aborts first. */
function untilDone(previous: Promise<void>, signal: AbortSignal): Promise<void> {
  const ranOut = () =>
    new TransientError('the send budget ran out while an earlier event of the same session was still on its way to the queue');
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
