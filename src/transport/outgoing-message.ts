import type { EventEnvelope } from '../envelope/event-envelope.js';

/** Where one event goes: one bot's queue, in one session (what routeEvent decides, what the dispatcher sends). */
export interface MessageRoute {
  bot: string;
  queue: string;
  /** Service Bus SessionId: the strategy's key normalised to 128 characters, or the delivery id when it has none. */
  sessionId: string;
  /** Service Bus MessageId = the delivery id: the broker's duplicate detection drops a redelivered or retried copy. */
  messageId: string;
  /** False when the strategy gave no key: the message sits alone in a session of its own and waits for no earlier send. */
  ordered: boolean;
}

/** One envelope on its way to one bot's session queue. */
export interface OutgoingMessage extends MessageRoute {
  envelope: EventEnvelope;
}
