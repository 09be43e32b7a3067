import type { ClosedGeneration, TouchResult } from './session-context.js';
import type { SessionRecord, StoredSessionRecord } from './session-record.js';
import { shouldCloseSession, type SessionLimits } from './should-close-session.js';

/**
 * What one touch must write, decided from the record as known (read, or kept from this
 * process's last write) or its absence. Pure, so the retry loop in the store only has to
 * re-read and re-plan after a conflict. `record` is the row as it stands after the write.
 */
export type TouchPlan =
  /** The session is held: count nothing, write nothing; the message is to be kept in the held store. */
  | { kind: 'held'; record: StoredSessionRecord; result: TouchResult }
  /** Redelivery of the last counted message: answer as before, write nothing. */
  | { kind: 'unchanged'; record: StoredSessionRecord; result: TouchResult }
  /** No record yet: create generation 1 (409 if another touch created it first). */
  | { kind: 'create'; record: SessionRecord; result: TouchResult }
  /**
   * Closed record, or an active one this message would take past a limit: replace it with the
   * next generation (drops closedAt / closeReason; 412 if anything changed it since).
   */
  | { kind: 'reopen'; record: SessionRecord; etag: string; result: TouchResult }
  /** Active record: count the message (412 if anything changed it since the read). */
  | {
      kind: 'count';
      record: SessionRecord;
      changes: Pick<SessionRecord, 'messageCount' | 'lastActivityAt' | 'lastMessageId'>;
      etag: string;
      result: TouchResult;
    };

/**
 * `limits`: the bot's limits, applied here and now (the seed's `should_close_session` as if
 * this message had joined): a message that would be one over `maxMessagesPerSession`, or that
 * comes after `maxSessionDuration` since the generation opened or after `sessionTimeout` of
 * quiet, opens the next generation instead. So a generation holds at most
 * `maxMessagesPerSession` messages, however many writers race (every write is ETag-guarded).
 */
export function planTouch(
  current: StoredSessionRecord | undefined,
  bot: string,
  sessionId: string,
  messageId: string,
  at: Date,
  limits?: SessionLimits,
  options: { draining?: boolean } = {},
): TouchPlan {
  if (current?.hold !== undefined && options.draining !== true) {
    const session = { id: sessionId, generation: current.generation, index: current.messageCount, isNew: false };
    return { kind: 'held', record: current, result: { session, closed: null, held: current.hold } };
  }
  if (current === undefined) {
    const record = openRecord(bot, sessionId, 1, messageId, at);
    return { kind: 'create', record, result: { session: { id: sessionId, generation: 1, index: 1, isNew: true }, closed: null } };
  }
  // Checked before the state: a message counted just before the janitor closed its session
  // keeps its place on redelivery instead of opening a generation of its own.
  if (current.lastMessageId === messageId) {
    const isNew = current.messageCount === 1;
    return {
      kind: 'unchanged',
      record: current,
      result: {
        session: { id: sessionId, generation: current.generation, index: current.messageCount, isNew },
        closed:
          isNew && current.previous !== undefined ? closedGeneration(current.generation - 1, current.previous, current.openedAt) : null,
      },
    };
  }
  const session = { id: sessionId, generation: current.generation + 1, index: 1, isNew: true };
  if (current.state === 'closed') {
    const record = { ...openRecord(bot, sessionId, session.generation, messageId, at), ...holdFields(current) };
    return { kind: 'reopen', record, etag: current.etag, result: { session, closed: null } };
  }
  const messageCount = current.messageCount + 1;
  const reason = limits === undefined ? null : shouldCloseSession({ ...current, messageCount }, limits, at);
  if (reason !== null) {
    const previous = { reason, messageCount: current.messageCount, openedAt: current.openedAt, lastActivityAt: current.lastActivityAt };
    const record: SessionRecord = { ...openRecord(bot, sessionId, session.generation, messageId, at), previous, ...holdFields(current) };
    return { kind: 'reopen', record, etag: current.etag, result: { session, closed: closedGeneration(current.generation, previous, at) } };
  }
  // Never move last activity backwards: `at` comes from the message and clocks differ.
  const changes = { messageCount, lastActivityAt: at > current.lastActivityAt ? at : current.lastActivityAt, lastMessageId: messageId };
  const { etag, ...kept } = current;
  return {
    kind: 'count',
    record: { ...kept, ...changes },
    changes,
    etag,
    result: { session: { id: sessionId, generation: current.generation, index: messageCount, isNew: false }, closed: null },
  };
}

/** What a reopen (a Replace) must carry over: the hold marker and the held store's sequence. */
function holdFields(current: SessionRecord): Pick<SessionRecord, 'hold' | 'heldSeq' | 'heldLastMessageId'> {
  const { hold, heldSeq, heldLastMessageId } = current;
  return {
    ...(hold === undefined ? {} : { hold }),
    ...(heldSeq === undefined ? {} : { heldSeq }),
    ...(heldLastMessageId === undefined ? {} : { heldLastMessageId }),
  };
}

function openRecord(bot: string, sessionId: string, generation: number, messageId: string, at: Date): SessionRecord {
  return { bot, sessionId, generation, state: 'active', openedAt: at, lastActivityAt: at, messageCount: 1, lastMessageId: messageId };
}

function closedGeneration(generation: number, previous: NonNullable<SessionRecord['previous']>, closedAt: Date): ClosedGeneration {
  return { generation, ...previous, closedAt };
}
