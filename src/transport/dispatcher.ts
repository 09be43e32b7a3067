import type { EventEnvelope } from '../envelope/event-envelope.js';
import { TransientError } from '../errors/delivery-errors.js';
import type { MessageRoute } from './outgoing-message.js';

/** Sends routed envelopes to their queues. */
export interface Dispatcher {
  /**
   * Takes each ordered route's place in its session's line now, before the envelope is ready
   * (a large one is first written to Blob storage), so a later event of the same session cannot
   * overtake it. The holder must `dispatch` or `release` the reservation on every path: until
   * then later sends to those sessions wait.
   */
  reserve(routes: readonly MessageRoute[]): DispatchReservation;
  close(): Promise<void>;
}

export interface DispatchReservation {
  /**
   * Sends `envelope` along every reserved route, each in its place. Resolves once EVERY queue
   * has accepted; rejects with a DispatchError naming the queues that did not accept before
   * `signal` aborted (the webhook's time budget). Once per reservation.
   */
  dispatch(envelope: EventEnvelope, signal: AbortSignal): Promise<void>;
  /** Gives the places up unsent; does nothing once `dispatch` was called, so it belongs in a `finally`. */
  release(): void;
}

export interface DispatchFailure {
  bot: string;
  queue: string;
  reason: string;
}

/**
 * Some queues did not accept. Transient by nature: the ones that did accept will drop the
 * redelivered copy (same MessageId), so redelivering the whole webhook is always safe.
 */
export class DispatchError extends TransientError {
  constructor(readonly failures: readonly DispatchFailure[]) {
    super(`not accepted by ${failures.map((f) => `${f.queue} (${f.reason})`).join(', ')}`);
  }
}
