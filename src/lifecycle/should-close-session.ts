import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { CloseReason, SessionRecord } from './session-record.js';

export type SessionLimits = Pick<BotDefinition['session'], 'maxSessionDuration' | 'maxMessagesPerSession' | 'sessionTimeout'>;

/**
 * The seed's `should_close_session`, over one record with its bot's limits: the first limit
 * passed, in the seed's order (duration, message count, idle), or null. Like the seed every
 * comparison is strict `>`: a session at exactly its limit stays open. The touch asks it about
 * the record as it would be with the message counted (`planTouch`), so the message that would
 * be one too many opens the next generation and a generation holds exactly
 * maxMessagesPerSession messages at most; the janitor asks it about records as they are.
 */
export function shouldCloseSession(
  record: Pick<SessionRecord, 'state' | 'openedAt' | 'lastActivityAt' | 'messageCount'>,
  limits: SessionLimits,
  now: Date,
): Exclude<CloseReason, 'manual'> | null {
  if (record.state !== 'active') return null;
  if (now.getTime() - record.openedAt.getTime() > limits.maxSessionDuration.ms) return 'maxSessionDuration';
  if (record.messageCount > limits.maxMessagesPerSession) return 'maxMessagesPerSession';
  if (now.getTime() - record.lastActivityAt.getTime() > limits.sessionTimeout.ms) return 'sessionTimeout';
  return null;
}
