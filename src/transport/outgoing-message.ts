import type { EventEnvelope } from '../envelope/event-envelope.js';

/** Where one event goes: one bot's queue, in one session (what routeEvent decides, what the dispatcher sends). */
export interface MessageRoute {
  bot: string;
  queue: string;
  /**
   * Service Bus SessionId: the strategy's key normalised to 128 characters, or the delivery id when
   * it has none. Absent for a queue without sessions (a bot with `strategy: none`).
   */
  sessionId: string | undefined;
  /** Service Bus MessageId = the delivery id: the broker's duplicate detection drops a redelivered or retried copy. */
  messageId: string;
  /** False when the session is the message's own (no key) or there is none: it waits for no earlier send. */
  ordered: boolean;
}

/** One envelope on its way to one bot's session queue. */
export interface OutgoingMessage extends MessageRoute {
  envelope: EventEnvelope;
}
