/** Why a generation ended: one of the bot's three limits, or an operator's hand. */
export type CloseReason = 'maxSessionDuration' | 'maxMessagesPerSession' | 'sessionTimeout' | 'manual';

export const CLOSE_REASONS: readonly CloseReason[] = ['maxSessionDuration', 'maxMessagesPerSession', 'sessionTimeout', 'manual'];

export type SessionState = 'active' | 'closed';

/** One session id of one bot, as the lifecycle table keeps it: the current (or last) generation. */
export interface SessionRecord {
  bot: string;
  sessionId: string;
  /** 1 for the first life of the id; +1 each time a message arrives for a closed record. */
  generation: number;
  state: SessionState;
  openedAt: Date;
  lastActivityAt: Date;
  /** Messages counted in this generation. */
  messageCount: number;
  /** The last counted message, so a redelivery of it is not counted twice. */
  lastMessageId: string;
  closedAt?: Date;
  closeReason?: CloseReason;
  /**
   * Set when this generation was opened by a message that would have passed a limit of the
   * previous one (the touch closed it): kept so a redelivery of that message reports the
   * same close again.
   */
  previous?: PreviousGeneration;
  /**
   * Set while the session is held (bot policy `onPoison: "hold"`): its messages are kept in the
   * held-message store, in order, instead of being processed, until an operator resumes it.
   * Kept on this record so the check costs nothing: the touch reads or remembers it anyway.
   */
  hold?: SessionHold;
  /** The last sequence number given to a held message of this session (never reset, so held-store keys never repeat). */
  heldSeq?: number;
  /** The last message appended to the held store, so a redelivery of it is not kept twice. */
  heldLastMessageId?: string;
  /** `pending` from a close by the janitor or an operator until the bot's session-closed notice is on its queue. */
  closeNotice?: 'pending' | 'sent';
  /** The last batch counted (a `cardinality: many` bot), so a redelivery of it is not counted twice. */
  countedBatch?: CountedBatch;
}

/** Why and since when a session is held. */
export interface SessionHold {
  /** The poisoned message the session stopped at. */
  messageId: string;
  reason: string;
  since: Date;
}

/** The generation a touch closed, as the first message of the next one saw it. */
export interface PreviousGeneration {
  reason: Exclude<CloseReason, 'manual'>;
  messageCount: number;
  openedAt: Date;
  lastActivityAt: Date;
}

/** A record as read from the table, with the ETag that guards a write based on it. */
export interface StoredSessionRecord extends SessionRecord {
  etag: string;
}

/** The record without the ETag it was read or written with: what a write is made from. */
export function withoutEtag({ etag: _etag, ...record }: StoredSessionRecord): SessionRecord {
  return record;
}

/**
 * The places the last counted batch gave its messages, kept on the session record so a
 * redelivery of the batch (the handler threw, the host abandoned every message of it) is not
 * counted again and tells each message the place it had. Service Bus sequence numbers grow
 * within a queue, so within a session: a message at or below `lastSequenceNumber` was counted.
 * https://learn.microsoft.com/azure/service-bus-messaging/message-sequencing
 */
export interface CountedBatch {
  /** Sequence numbers (int64, kept as bigint) of the first and the last message the batch counted. */
  firstSequenceNumber: bigint;
  lastSequenceNumber: bigint;
  /**
   * Set when an invocation of this batch failed after its target took the messages up to this
   * sequence number (the host abandoned them all): a redelivery skips those instead of
   * delivering them again.
   */
  deliveredThrough?: bigint;
  /** The places in batch order, as runs of consecutive indexes of one generation. */
  runs: PlaceRun[];
}

export interface PlaceRun {
  generation: number;
  firstIndex: number;
  count: number;
  /** The generation the run's first message closed (it opened this one at once): a `ClosedGeneration`. */
  closed?: PreviousGeneration & { generation: number; closedAt: Date };
}
