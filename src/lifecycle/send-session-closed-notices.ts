import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { SessionClosedNotice } from './session-closed-notice.js';
import type { SessionRecord } from './session-record.js';
import type { SessionStore } from './table-session-store.js';

/** Sends a session-closed notice to the bot's own queue (`SessionClosedSender.send`). */
export type SendSessionClosed = (bot: Pick<BotDefinition, 'name' | 'queue'>, notice: SessionClosedNotice) => Promise<void>;

/** The notice for a generation closed by the janitor or an operator, from its record. */
function noticeOf(record: SessionRecord): SessionClosedNotice {
  return {
    sessionId: record.sessionId,
    generation: record.generation,
    reason: record.closeReason ?? 'manual',
    messageCount: record.messageCount,
    openedAt: record.openedAt.toISOString(),
    closedAt: (record.closedAt ?? record.lastActivityAt).toISOString(),
  };
}

/**
 * Puts a control message on the bot's queue for every close whose notice is still pending (the
 * close marks it so in the same write), then marks it sent. A failed send stays pending for the
 * next janitor run; a resend is dropped by the queue's duplicate detection (same MessageId) or,
 * past its window, reaches the bot again (notices are at least once). A bot without sessions
 * (strategy none) gets none. Costs one query per bot per run, nothing per message.
 */
export async function sendSessionClosedNotices(deps: {
  store: Pick<SessionStore, 'listPendingNotices' | 'markNoticeSent'>;
  send: SendSessionClosed;
  telemetry: Telemetry;
  bot: Pick<BotDefinition, 'name' | 'queue' | 'strategy'>;
}): Promise<{ sent: number; failures: unknown[] }> {
  const { bot } = deps;
  if (bot.strategy.type === 'none') return { sent: 0, failures: [] };
  const failures: unknown[] = [];
  let sent = 0;
  for (const record of await deps.store.listPendingNotices(bot.name)) {
    try {
      await deps.send(bot, noticeOf(record));
      await deps.store.markNoticeSent(record);
      sent++;
    } catch (error) {
      failures.push(error);
      deps.telemetry.trackException(error, { bot: bot.name, sessionId: record.sessionId, operation: 'session-closed-notice' });
    }
  }
  return { sent, failures };
}
