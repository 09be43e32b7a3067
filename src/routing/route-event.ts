import type { BotRegistry } from '../bots/bot-registry.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { normalizeSessionId, sessionIdFor } from '../sessions/normalize-session-id.js';
import type { MessageRoute } from '../transport/outgoing-message.js';

/** Which bots get this event and in which sessions. Pure: no I/O, no clock. */
export function routeEvent(envelope: EventEnvelope, registry: BotRegistry): MessageRoute[] {
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
