import type { BotRegistry } from '../bots/bot-registry.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { normalizeSessionId, sessionIdFor } from '../sessions/normalize-session-id.js';

/** One message to send: which bot's queue, in which session. */
export interface Route {
  bot: string;
  queue: string;
  /**
   * Service Bus SessionId: the strategy's key normalised to 128 characters, or the delivery id when
   * it has none. Absent for a bot whose queue has no sessions (`strategy: none`).
   */
  sessionId: string | undefined;
  /** Service Bus MessageId = the delivery id, so the broker's duplicate detection drops redeliveries. */
  messageId: string;
  /** False when the strategy gave no key (a session of its own) or the bot's queue has no sessions. */
  ordered: boolean;
}

/** Which bots get this event and in which sessions. Pure: no I/O, no clock. */
export function routeEvent(envelope: EventEnvelope, registry: BotRegistry): Route[] {
  const messageId = normalizeSessionId(envelope.eventId);
  return registry.botsFor(envelope).map(({ name, queue, sessions }) => {
    // A queue without sessions (strategy none): no SessionId, so nothing pretends the message has a session.
    if (!sessions) return { bot: name, queue, sessionId: undefined, messageId, ordered: false };
    // The seed's SessionManager is the one place a bot's strategy is looked up.
    const key = registry.sessionManager.generateSessionKey(name, envelope);
    const ordered = key !== null && key !== '';
    return { bot: name, queue, sessionId: sessionIdFor(key, envelope.eventId), messageId, ordered };
  });
}
