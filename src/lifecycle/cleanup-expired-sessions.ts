import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { StoredSessionRecord } from './session-record.js';
import { reportSessionClosed } from './report-session-closed.js';
import { shouldCloseSession } from './should-close-session.js';
import type { SessionStore } from './table-session-store.js';

export interface CleanupResult {
  /** Session ids closed by this run. */
  closed: string[];
  /** Ids that were due but were touched between the read and the close: left for the next run. */
  raced: string[];
}

/**
 * The seed's `cleanup_expired_sessions` for one bot, with that bot's limits. A close only
 * marks the record: no message is dropped or held back, the next message for the id opens
 * the next generation. Each close is guarded by the ETag of the record it was decided on,
 * so a session touched meanwhile is not closed on stale facts.
 * Pass `active` when the caller already read the bot's active records (the janitor does).
 */
export async function cleanupExpiredSessions(deps: {
  store: Pick<SessionStore, 'list' | 'close'>;
  bot: Pick<BotDefinition, 'name' | 'session'>;
  telemetry: Telemetry;
  now: Date;
  active?: readonly StoredSessionRecord[];
}): Promise<CleanupResult> {
  const { store, bot, telemetry, now } = deps;
  const active = deps.active ?? (await store.list(bot.name, { state: 'active' }));
  const result: CleanupResult = { closed: [], raced: [] };
  for (const record of active) {
    const reason = shouldCloseSession(record, bot.session, now);
    if (reason === null) continue;
    const outcome = await store.close(bot.name, record.sessionId, reason, now, { expected: record });
    if (outcome.outcome !== 'closed') {
      result.raced.push(record.sessionId);
      continue;
    }
    result.closed.push(record.sessionId);
    reportSessionClosed(telemetry, { ...record, bot: bot.name, reason, closedAt: now, closedBy: 'janitor' });
  }
  return result;
}
