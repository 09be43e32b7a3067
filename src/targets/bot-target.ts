import type { InlineEventEnvelope } from '../envelope/event-envelope.js';
import type { SessionContext } from '../lifecycle/session-context.js';
import type { SessionClosedNotice } from '../lifecycle/session-closed-notice.js';

/** What the per-message pipeline hands a target: the envelope with its payload in hand. */
export interface TargetInput {
  envelope: InlineEventEnvelope;
  /** Null for a bot with `strategy: none`: its queue has no sessions, so there is no session to report. */
  session: SessionContext | null;
  /** 1 on the first delivery, as the Functions host counts. */
  deliveryCount: number;
}

/**
 * Where a bot's messages go. `deliver` resolves when the bot has the message; it throws a
 * `PermanentError` when retrying cannot help and anything else (counted as transient) when
 * it may.
 */
export interface BotTarget {
  deliver(input: TargetInput): Promise<void>;
  /** Tells the bot a generation of one of its sessions closed; same error rules as `deliver`. */
  sessionClosed?(notice: SessionClosedNotice): Promise<void>;
}
