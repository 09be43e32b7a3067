import type { StoredSessionRecord } from './session-record.js';
import type { SessionLimits } from './should-close-session.js';

/**
 * The records this process last wrote, with their ETags, per bot, so the next touch of a
 * session can write at once (If-Match) instead of reading first. Only a hint: every write is
 * guarded by the ETag, so a record changed elsewhere (another instance took the session, the
 * janitor or an operator closed it, a purge) costs one 412 / 404 and a re-read, never a wrong count
 * (Table Storage rejects an update whose If-Match ETag is not the entity's current one with 412:
 * https://learn.microsoft.com/rest/api/storageservices/update-entity2).
 */
export interface RememberedRecords {
  /** The remembered record, unless it is likely stale (idle past the bot's sessionTimeout: the janitor may have closed it). */
  recall(bot: string, sessionId: string, at: Date, limits: SessionLimits | undefined): StoredSessionRecord | undefined;
  remember(record: StoredSessionRecord): void;
  forget(bot: string, sessionId: string): void;
}

/** `maxPerBot`: records kept per bot; the least recently used goes first. */
export function rememberRecords(maxPerBot: number): RememberedRecords {
  if (!Number.isSafeInteger(maxPerBot) || maxPerBot < 0) throw new RangeError(`maxPerBot must be a whole number ≥ 0, got ${maxPerBot}`);
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const byBot = new Map<string, Map<string, StoredSessionRecord>>();
  return {
    recall(bot, sessionId, at, limits) {
      const records = byBot.get(bot);
      const record = records?.get(sessionId);
      if (records === undefined || record === undefined) return undefined;
      records.delete(sessionId);
      if (limits !== undefined && at.getTime() - record.lastActivityAt.getTime() > limits.sessionTimeout.ms) return undefined;
      records.set(sessionId, record);
      return record;
    },
    remember(record) {
      if (maxPerBot === 0) return;
      let records = byBot.get(record.bot);
      if (records === undefined) byBot.set(record.bot, (records = new Map<string, StoredSessionRecord>()));
      records.delete(record.sessionId);
      records.set(record.sessionId, record);
      if (records.size > maxPerBot) records.delete(records.keys().next().value!);
    },
    forget(bot, sessionId) {
      byBot.get(bot)?.delete(sessionId);
    },
  };
}
