/** Where in the pipeline a message failed. */
export type PoisonStage = 'message' | 'envelope' | 'claim-check' | 'session' | 'target';

/** What the pipeline knows about a message it gives up on. */
export interface PoisonRecordInput {
  bot: string;
  messageId: string;
  sessionId: string | null;
  deliveryCount: number;
  /** `MalformedEnvelope`, `ClaimCheckMissing`, `TargetRejected`, `MaxDeliveryCountExceeded`, … */
  reason: string;
  /** The error message (for MaxDeliveryCountExceeded: the last error). */
  detail: string;
  stage: PoisonStage;
  eventType: string | null;
  enqueuedTimeUtc: string | null;
  /** The message body as received (JSON text for a parsed body). */
  body: string;
  recordedAt: Date;
}

export interface PoisonRecord extends Omit<PoisonRecordInput, 'recordedAt'> {
  recordedAt: string;
  /** True when the body was too large to keep whole; `body` then holds its beginning. */
  bodyTruncated: boolean;
  /** The body's length in characters as received. */
  bodyLength: number;
}

/**
 * Messages that can never succeed, kept with their reason so they can be looked at and
 * replayed. One record per (bot, messageId): recording the same message again replaces it.
 */
export interface PoisonStore {
  record(input: PoisonRecordInput): Promise<void>;
  list(bot: string): Promise<PoisonRecord[]>;
  get(bot: string, messageId: string): Promise<PoisonRecord | undefined>;
}
