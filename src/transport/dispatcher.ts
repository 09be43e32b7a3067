import { TransientError } from '../errors/delivery-errors.js';
import type { OutgoingMessage } from './outgoing-message.js';

/** Sends routed envelopes to their queues. */
export interface Dispatcher {
  /**
   * Resolves once EVERY message has been accepted by its queue; rejects with a DispatchError
   * naming the queues that did not accept before `signal` aborted (the webhook's time budget).
   */
  dispatch(messages: readonly OutgoingMessage[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
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
