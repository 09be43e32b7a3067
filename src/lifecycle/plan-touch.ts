import type { SessionContext } from './session-context.js';
import type { SessionRecord, StoredSessionRecord } from './session-record.js';

/**
 * What one touch must write, decided from the record as read (or its absence). Pure, so
 * the retry loop in the store only has to re-read and re-plan after a conflict.
 */
export type TouchPlan =
  /** Redelivery of the last counted message: answer as before, write nothing. */
  | { kind: 'unchanged'; context: SessionContext }
  /** No record yet: create generation 1 (409 if another touch created it first). */
  | { kind: 'create'; record: SessionRecord; context: SessionContext }
  /** Closed record: replace it with the next generation (drops closedAt / closeReason). */
  | { kind: 'reopen'; record: SessionRecord; etag: string; context: SessionContext }
  /** Active record: count the message (412 if anything changed it since the read). */
  | { kind: 'count'; changes: Pick<SessionRecord, 'messageCount' | 'lastActivityAt' | 'lastMessageId'>; etag: string; context: SessionContext };

export function planTouch(
  current: StoredSessionRecord | undefined,
  bot: string,
  sessionId: string,
  messageId: string,
  at: Date,
): TouchPlan {
  if (current === undefined) {
    return { kind: 'create', record: openRecord(bot, sessionId, 1, messageId, at), context: { id: sessionId, generation: 1, index: 1, isNew: true } };
  }
  // Checked before the state: a message counted just before the janitor closed its session
  // keeps its place on redelivery instead of opening a generation of its own.
  if (current.lastMessageId === messageId) {
    return {
      kind: 'unchanged',
      context: { id: sessionId, generation: current.generation, index: current.messageCount, isNew: current.messageCount === 1 },
    };
  }
  if (current.state === 'closed') {
    const generation = current.generation + 1;
    return {
      kind: 'reopen',
      record: openRecord(bot, sessionId, generation, messageId, at),
      etag: current.etag,
      context: { id: sessionId, generation, index: 1, isNew: true },
    };
  }
  const messageCount = current.messageCount + 1;
  return {
    kind: 'count',
    // Never move last activity backwards: `at` comes from the message and clocks differ.
    changes: { messageCount, lastActivityAt: at > current.lastActivityAt ? at : current.lastActivityAt, lastMessageId: messageId },
    etag: current.etag,
    context: { id: sessionId, generation: current.generation, index: messageCount, isNew: false },
  };
}

function openRecord(bot: string, sessionId: string, generation: number, messageId: string, at: Date): SessionRecord {
  return { bot, sessionId, generation, state: 'active', openedAt: at, lastActivityAt: at, messageCount: 1, lastMessageId: messageId };
}
