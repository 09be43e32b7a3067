import type { InvocationContext } from '@azure/functions';
import type { InlineEventEnvelope } from '../envelope/event-envelope.js';
import type { SessionClosedNotice } from '../lifecycle/session-closed-notice.js';
import { PermanentError } from '../errors/delivery-errors.js';
import type { SessionContext, TouchResult } from '../lifecycle/session-context.js';
import type { StoredSessionRecord } from '../lifecycle/session-record.js';
import type { TelemetryProperties } from '../telemetry/telemetry.js';
import type { KeepOutcome } from './keep-held-message.js';
import type { PoisonStage } from './poison-record.js';
import type { QueueMessageFacts } from './trigger-metadata.js';

/*
 * The steps of a bot's pipeline, declared once: bot-message-handler.ts defines them and runs them
 * for one message; handle-message-batch.ts runs the same ones message by message over a batch.
 */

/** Where the pipeline is with one message, for the poison record and the logs. */
export interface Progress {
  stage: PoisonStage;
  eventType: string | null;
}

/** One step of the pipeline, retried in place on a transient failure, all steps of an invocation within one budget. */
export type Step = <T>(run: () => Promise<T>) => Promise<T>;

/** Makes the step runner of one invocation: every step retried in place within `budgetMs` from now, stopped by the invocation's cancel. */
export type StepsOfInvocation = (
  context: InvocationContext,
  budgetMs: number,
  onRetry: (error: unknown, retry: number, waitMs: number) => void,
) => Step;

/** A message ready for its target: a session-closed control message, or the envelope with its payload. */
export type Prepared =
  | { kind: 'notice'; notice: SessionClosedNotice }
  /** `claimCheckedBytes`: the payload's size when it came from Blob storage (0 when the message carried it). */
  | { kind: 'event'; inline: InlineEventEnvelope; claimCheckedBytes: number };

/** A session-closed control message as it is, or the envelope with its claim-checked payload: what the target is given. */
export type Prepare = (message: unknown, step: Step, progress: Progress) => Promise<Prepared>;

/** Tells the target of the generation the touch closed (just before this message), then delivers the message. */
export type DeliverEvent = (
  inline: InlineEventEnvelope,
  sessionId: string | null,
  touched: TouchResult | null,
  facts: QueueMessageFacts,
  step: Step,
  progress: Progress,
) => Promise<void>;

/** Tells the target of a closed generation. */
export type TellSessionClosed = (notice: SessionClosedNotice, step: Step) => Promise<void>;

/** Keeps the message in its held session's line (with `poison`: stops the session at it). */
export type Keep = (
  message: unknown,
  facts: QueueMessageFacts,
  sessionId: string,
  eventType: string | null,
  poison?: { reason: string },
  /** The record to build on instead of what `look` says (a hold mid-batch: the batch counted up to this message only). */
  base?: StoredSessionRecord,
) => Promise<KeepOutcome>;

/** With `onPoison: "hold"`, stops the session at a poisoned message (see `Keep`); nothing for other bots. */
export type HoldAt = (
  message: unknown,
  facts: QueueMessageFacts,
  eventType: string | null,
  reason: string,
  context: InvocationContext,
  base?: StoredSessionRecord,
) => Promise<void>;

/** What failed and where, for the poison store. */
export interface PoisonedMessage {
  reason: string;
  detail: string;
  stage: PoisonStage;
  eventType: string | null;
  message: unknown;
  context: InvocationContext;
}

/** Records a message as poison; throws if it cannot be recorded (so it is retried, never completed unrecorded). */
export type RecordPoison = (facts: QueueMessageFacts, what: PoisonedMessage) => Promise<void>;

/** The telemetry properties naming a message. */
export type DescribeMessage = (facts: QueueMessageFacts, eventType: string | null) => TelemetryProperties;

/** Tracks a message the target took (event `BotMessageProcessed`, metric `BotMessageLatencyMs` since the webhook). */
export type ReportProcessed = (
  facts: QueueMessageFacts,
  eventType: string | null,
  session: SessionContext | null,
  inline: InlineEventEnvelope,
  extra: { retriesInPlace: number; batchSize?: number },
) => void;

/** A message without a SessionId on a session trigger: a session-enabled queue never delivers one; a misconfigured trigger might. */
export function missingSessionId(): PermanentError {
  return new PermanentError('MissingSessionId', 'The message has no SessionId: is the trigger session-enabled?');
}

/** " of session S" for a message of a session, "" otherwise: for log lines. */
export function ofSession(facts: QueueMessageFacts): string {
  return facts.sessionId === null ? '' : ` of session ${facts.sessionId}`;
}
