import type { PayloadRef } from '../../src/envelope/event-envelope.js';
import type { ClaimCheck } from '../../src/transport/claim-check.js';
import type { Dispatcher } from '../../src/transport/dispatcher.js';

/**
 * A claim check whose store waits until the test lets it finish (`release`, then `inner` stores
 * it, or a fake reference is returned) or fail (`fail`); it gives up when its signal aborts, as
 * the Blob client does. `storing` resolves once a store has begun.
 */
export function heldClaimCheck(inner?: Pick<ClaimCheck, 'store'>) {
  let began!: () => void;
  const storing = new Promise<void>((resolve) => (began = resolve));
  let settle!: (error?: Error) => void;
  const gate = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))));
  const claimCheck: Pick<ClaimCheck, 'store'> = {
    async store(deliveryId, payload, signal): Promise<PayloadRef> {
      began();
      await new Promise<void>((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        gate.then(resolve, reject);
      });
      if (inner !== undefined) return inner.store(deliveryId, payload, signal);
      return { container: 'webhook-payloads', blobName: `${deliveryId}.json`, size: payload.byteLength, sha256: 'f'.repeat(64) };
    },
  };
  return { claimCheck, storing, release: () => settle(), fail: (error: Error) => settle(error) };
}

/** Wraps a dispatcher to tell when an event's dispatch has been called (its sends are in line or on their way). */
export function observedDispatcher(inner: Dispatcher) {
  const calls = new Map<string, () => void>();
  const called = new Map<string, Promise<void>>();
  const entry = (eventId: string) => {
    if (!called.has(eventId)) called.set(eventId, new Promise<void>((resolve) => calls.set(eventId, resolve)));
    return called.get(eventId)!;
  };
  const dispatcher: Dispatcher = {
    reserve(routes) {
      const reservation = inner.reserve(routes);
      return {
        dispatch(envelope, signal) {
          const sending = reservation.dispatch(envelope, signal);
          void entry(envelope.eventId);
          calls.get(envelope.eventId)!();
          return sending;
        },
        release: () => reservation.release(),
      };
    },
    close: () => inner.close(),
  };
  return { dispatcher, dispatched: entry };
}
