import type { CloseReason, SessionHold, StoredSessionRecord } from './session-record.js';

/** What the lifecycle store answers when a message touches its session; handed to every target. */
export interface SessionContext {
  /** The Service Bus SessionId (already normalised to 128 characters). */
  id: string;
  /** 1 for the first life of this session id; +1 each time a closed session is reopened. */
  generation: number;
  /** 1-based position of this message within the generation. */
  index: number;
  /** True when this message opened the generation. */
  isNew: boolean;
}

/** A generation that the touch itself closed because this message would have passed one of its limits. */
export interface ClosedGeneration {
  generation: number;
  /** The first limit the message would have passed, in the seed's order (duration, count, idle). */
  reason: Exclude<CloseReason, 'manual'>;
  /** Messages the closed generation holds (never more than `maxMessagesPerSession`). */
  messageCount: number;
  openedAt: Date;
  lastActivityAt: Date;
  /** When the touch closed it: the time of the message that opened the next generation. */
  closedAt: Date;
}

export interface TouchResult {
  /** The message's place: what the target is given. */
  session: SessionContext;
  /**
   * The generation this message closed (it opened the next one at once), else null. A
   * redelivery of the message reports the same close again, so a notice built on it can be
   * sent at least once. Closes by the janitor or an operator are not reported here.
   */
  closed: ClosedGeneration | null;
  /**
   * Present only when the session is held: nothing was counted, and the message must be kept
   * in the held-message store instead of going to the target (`session` is then meaningless).
   */
  held?: SessionHold;
}

export interface TouchOptions {
  /** What `look` answered for this message just before (null: no record): spares the touch a read. */
  known?: StoredSessionRecord | null;
  /** The resume of a held session delivering its kept messages: counted although the hold is still set. */
  draining?: boolean;
}

/** One message of a batch, as the touch needs it. */
export interface BatchMessage {
  messageId: string;
  /** The Service Bus sequence number: grows within a queue, so within a session. */
  sequenceNumber: bigint;
}

export interface BatchTouchResult {
  /**
   * Present only when the session is held: nothing was counted, every message of the batch is to
   * be kept in the held-message store, in order (`places` is then empty).
   */
  held?: SessionHold;
  /** Each message's place, in batch order, with the generation it closed (as `TouchResult`). */
  places: TouchResult[];
  /**
   * The record as it would stand had the batch stopped right after message `i` (ETag of the
   * batch's write): a hold at message `i` writes it, so the messages kept behind it are not
   * counted. Undefined when message `i` was counted by an earlier delivery of the batch.
   */
  countedThrough(i: number): StoredSessionRecord | undefined;
  /** Messages of this batch at or below this sequence number already reached the target (`markDelivered` by an earlier delivery of it). */
  deliveredThrough?: bigint;
}

/** The lifecycle store as the per-message pipeline sees it. */
export interface SessionToucher {
  /**
   * Opens the record if absent or closed, or if this message would pass one of the bot's
   * limits (then the current generation is closed and the next one opened, in one write);
   * counts the message, stamps last activity.
   * Idempotent per messageId: a redelivered message (abandon, crash) gets the index it had,
   * because a session's messages are processed one at a time.
   */
  touch(bot: string, sessionId: string, messageId: string, at: Date, options?: TouchOptions): Promise<TouchResult>;

  /**
   * The session's record as this process remembers it, else read (and then remembered, and handed
   * to the touch as `known`, so a session's first message still costs one read). For the hold
   * check before a message is processed: free for a session this process knows.
   */
  look(bot: string, sessionId: string, at: Date): Promise<StoredSessionRecord | null>;
}

/** The lifecycle store as a batch (`cardinality: many`) pipeline sees it. */
export interface BatchSessionToucher extends SessionToucher {
  /**
   * As `touch` for a batch of the session's messages in order, in one conditional write (none
   * when every message was counted before). Idempotent per sequence number: messages of a
   * redelivered batch that were counted get the places they had, the others are counted.
   */
  touchBatch(
    bot: string,
    sessionId: string,
    messages: readonly BatchMessage[],
    at: Date,
    options?: TouchOptions,
  ): Promise<BatchTouchResult>;
  /**
   * Notes on the counted batch that the target took its messages up to `sequenceNumber` (one write,
   * before the handler throws and after a batch that went through, whose session lock may have been
   * lost), so a redelivery skips them. Best effort: if it cannot be written they are delivered again
   * (at least once).
   */
  markDelivered(bot: string, sessionId: string, sequenceNumber: bigint, at: Date): Promise<void>;
}
