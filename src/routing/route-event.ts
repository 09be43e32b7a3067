import type { BotRegistry } from '../bots/bot-registry.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { normalizeSessionId, sessionIdFor } from '../sessions/normalize-session-id.js';

/** One message to send: which bot's queue, in which session. */
export interface Route {
  bot: string;
  queue: string;
  /** Service Bus SessionId: the strategy's key normalised to 128 characters, or the delivery id when it has none. */
  sessionId: string;
  /** Service Bus MessageId = the delivery id, so the broker's duplicate detection drops redeliveries. */
  messageId: string;
  /** False when the strategy gave no key: the message sits alone in a session of its own. */
  ordered: boolean;
}

/** Which bots get this event and in which sessions. Pure: no I/O, no clock. */
export function routeEvent(envelope: EventEnvelope, registry: BotRegistry): Route[] {
  const messageId = normalizeSessionId(envelope.eventId);
  return registry.botsFor(envelope).map(({ name, queue }) => {
    // The seed's SessionManager is the one place a bot's strategy is looked up.
    const key = registry.sessionManager.generateSessionKey(name, envelope);
    const ordered = key !== null && key !== '';
    return { bot: name, queue, sessionId: sessionIdFor(key, envelope.eventId), messageId, ordered };
  });
}
