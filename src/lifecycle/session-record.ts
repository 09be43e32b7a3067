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
