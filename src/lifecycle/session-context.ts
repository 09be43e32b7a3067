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

/** The lifecycle store as the per-message pipeline sees it. */
export interface SessionToucher {
  /**
   * Opens the record if absent or closed, counts the message, stamps last activity.
   * Idempotent per messageId: a redelivered message (abandon, crash) gets the index it had,
   * because a session's messages are processed one at a time.
   */
  touch(bot: string, sessionId: string, messageId: string, at: Date): Promise<SessionContext>;
}
