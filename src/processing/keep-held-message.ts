import { withoutEtag, type SessionRecord, type StoredSessionRecord } from '../lifecycle/session-record.js';
import type { SessionStore } from '../lifecycle/table-session-store.js';
import type { HeldMessage, HeldMessageStore } from './held-message-store.js';

export interface HoldDeps {
  sessions: Pick<SessionStore, 'get' | 'replaceIf'>;
  held: HeldMessageStore;
}

/** A message to keep in its held session's line, as it arrived. */
export type MessageToKeep = Omit<HeldMessage, 'seq' | 'poisoned' | 'heldAt'>;

export type KeepOutcome =
  /** Stored at its place in the held line: the caller completes the message. */
  | 'kept'
  /** The session is not (or no longer) held: process the message as usual. */
  | 'notHeld';

const MAX_ATTEMPTS = 50;

/**
 * Keeps a message of a held session, or (with `poison`) stops the session at this message.
 * Durable before the caller completes the message: the row is written first (at the next
 * sequence number), then the session record is moved on with If-Match, so a resume that read the
 * record before this message was kept cannot clear the hold (its If-Match write fails) and drains
 * it next. If the resume did clear the hold in between, this write fails instead and the row is
 * taken back (or, if the resume already delivered it, the message is done).
 * `current`: the record as the caller knows it (the touch's `look`), undefined if there is none.
 */
export async function keepHeldMessage(
  deps: HoldDeps,
  message: MessageToKeep,
  current: StoredSessionRecord | undefined,
  at: Date,
  poison?: { reason: string },
): Promise<KeepOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (current?.hold === undefined && poison === undefined) return 'notHeld';
    // Kept already (a redelivery after the record was written but before the message was completed).
    if (current?.hold !== undefined && current.heldLastMessageId === message.messageId) return 'kept';
    const seq = (current?.heldSeq ?? 0) + 1;
    await deps.held.put({ ...message, seq, poisoned: current?.hold === undefined, heldAt: at });
    const hold = current?.hold ?? { messageId: message.messageId, reason: poison!.reason, since: at };
    const next: SessionRecord = {
      ...(current === undefined ? placeholder(message, at) : withoutEtag(current)),
      hold,
      heldSeq: seq,
      heldLastMessageId: message.messageId,
    };
    if ((await deps.sessions.replaceIf(current, next)) !== 'conflict') return 'kept';

    // Changed meanwhile (a resume touching or clearing it, a janitor close): decide again on a fresh read.
    current = await deps.sessions.get(message.bot, message.sessionId);
    if (current?.hold === undefined && poison === undefined) {
      // Resumed meanwhile. If the resume delivered this row, the message is done; else it is ours again.
      const removed = await deps.held.remove(message.bot, message.sessionId, seq);
      return removed ? 'notHeld' : 'kept';
    }
  }
  throw new Error(
    `keeping message ${message.messageId} of held session "${message.sessionId}": still conflicting after ${MAX_ATTEMPTS} attempts`,
  );
}

/**
 * A session held before its first message was counted (it failed before the touch): a closed
 * generation 0, so the janitor leaves it alone and the first message delivered opens generation 1.
 */
function placeholder(message: MessageToKeep, at: Date): SessionRecord {
  return {
    bot: message.bot,
    sessionId: message.sessionId,
    generation: 0,
    state: 'closed',
    openedAt: at,
    lastActivityAt: at,
    messageCount: 0,
    lastMessageId: '',
  };
}
