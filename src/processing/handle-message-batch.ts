import type { InvocationContext } from '@azure/functions';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { batchRetryBudgetMs } from '../bots/fit-retries-in-batch-lock.js';
import { isPermanent, TransientError } from '../errors/delivery-errors.js';
import type { ServiceBusBatchHandler } from '../functions-model/function-definitions.js';
import type { BatchSessionToucher, BatchTouchResult, TouchOptions } from '../lifecycle/session-context.js';
import type { StoredSessionRecord } from '../lifecycle/session-record.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { errorText } from './error-text.js';
import {
  missingSessionId,
  ofSession,
  type DeliverEvent,
  type DescribeMessage,
  type HoldAt,
  type Keep,
  type Prepare,
  type Prepared,
  type Progress,
  type RecordPoison,
  type ReportProcessed,
  type StepsOfInvocation,
  type TellSessionClosed,
} from './pipeline-steps.js';
import { readBatchMessageFacts, type BatchMessageFacts } from './read-batch-metadata.js';

/**
 * Claim-checked payloads one invocation holds in memory at once: a batch is prepared (envelopes
 * and claim checks) in runs up to this many bytes, each run touched and delivered before the next
 * is read. A batch of up to `maxMessageBatchSize` (1000) messages of several MB each would
 * otherwise be held whole; inline payloads are in the host's batch already and do not count.
 */
export const PREPARED_PAYLOAD_BUDGET_BYTES = 64 * 1024 * 1024;

/** The per-message steps of the bot's pipeline (bot-message-handler.ts), which a batch runs message by message. */
export interface PipelineParts {
  bot: BotDefinition;
  /** False for a bot with `strategy: none`: no session, no touch. */
  sessions: boolean;
  touchBatch: BatchSessionToucher['touchBatch'] | undefined;
  markDelivered: BatchSessionToucher['markDelivered'] | undefined;
  look: (sessionId: string) => Promise<StoredSessionRecord | null>;
  telemetry: Telemetry;
  now: () => Date;
  /** The pipeline's retry in place (its wait and jitter), one budget per invocation. */
  stepsOf: StepsOfInvocation;
  prepare: Prepare;
  deliverEvent: DeliverEvent;
  tellSessionClosed: TellSessionClosed;
  keep: Keep;
  holdAt: HoldAt;
  poison: RecordPoison;
  describe: DescribeMessage;
  reportProcessed: ReportProcessed;
  /** Claim-checked payload bytes prepared at once (`PREPARED_PAYLOAD_BUDGET_BYTES`). */
  preparedPayloadBudgetBytes: number;
}

/** What a failed message does to the rest of the batch. */
type Failure = { kind: 'skip' } | { kind: 'hold'; reason: string };

/**
 * The handler of a bot with `cardinality: "many"`: a batch of one session's messages (or, for
 * `strategy: none`, of unrelated ones), processed strictly in order through the same steps as
 * one message (bot-message-handler.ts), so docs/delivery-guarantees.md holds per message. What
 * changes is the session touch: one conditional Table write for the batch (`touchBatch`), after
 * each message's envelope and claim check (a message that fails before its target is not
 * counted) and before the first target call. The host completes every message when this returns
 * and abandons every message when it throws
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#usage), so:
 *
 * - A transient failure past the retry budget (one `maxRetryDuration` for the whole invocation,
 *   inside functionTimeout, cut to end within `lockDuration`: batchRetryBudgetMs) throws. Before that, one write notes on the counted batch that the
 *   target took the messages before it (`markDelivered`), so the redelivery skips them; if that
 *   write fails, or the invocation dies without throwing, they reach the target again (at least once).
 * - After a batch that went through, the same mark (one more write): the host's batch loop never renews
 *   the session lock, so a batch can come back although this returned; its redelivery skips what the target took.
 * - If any message of the batch is on its last delivery, abandoning would dead-letter it with the
 *   batch; instead the failing message is recorded as poison (`MaxDeliveryCountExceeded`) and
 *   skipped or held, and the batch goes on.
 * - A poisoned message of an `onPoison: "hold"` bot heads the session's held line and every later
 *   message of the batch is kept behind it, in order; the batch's count then stops at it.
 */
export function createBatchHandler(parts: PipelineParts): ServiceBusBatchHandler {
  const { bot, telemetry } = parts;
  const holding = bot.onPoison === 'hold';

  return async function handleBotMessageBatch(messages: unknown[], context: InvocationContext): Promise<void> {
    if (!Array.isArray(messages))
      throw new Error(`Bot "${bot.name}": a batch trigger was given ${typeof messages}, not an array of messages`);
    const facts = readBatchMessageFacts(context, messages.length, { sessions: parts.sessions });
    if (messages.length === 0) return;
    const n = messages.length;
    const progress: Progress[] = facts.map((f) => ({ stage: 'message', eventType: f.eventType }));
    let at = 0;
    let retries = 0;
    // One budget for the whole invocation: the host's functionTimeout bounds the batch, not each message; and,
    // as the batch loop never renews the lock (session or message), cut to end within lockDuration from now.
    const step = parts.stepsOf(context, batchRetryBudgetMs(bot), (error, retry, waitMs) => {
      retries++;
      context.warn(
        `Bot "${bot.name}": message ${facts[at]!.messageId}${ofSession(facts[at]!)} (${at + 1} of a batch of ${n}) failed at ${progress[at]!.stage} (delivery ${facts[at]!.deliveryCount}); retry ${retry} in place in ${waitMs} ms: ${errorText(error)}`,
      );
    });
    // Service Bus dead-letters a message abandoned on its last delivery
    // (https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues#maximum-delivery-count).
    const lastDelivery = facts.some((f) => f.deliveryCount >= bot.delivery.maxDeliveryCount);
    const sessionId = parts.sessions ? sessionOf(facts) : null;
    /** The last message of the session the target took in this invocation (its sequence number). */
    let deliveredThrough: bigint | undefined;
    /** Whether the target took a message in this invocation that no earlier delivery had noted as delivered. */
    let deliveredNew = false;
    /** Failures `failed` already logged and tracked. */
    const reported = new WeakSet<object>();

    /** A failed message: poison (skip or hold), or throw so the host abandons the batch. */
    async function failed(i: number, error: unknown): Promise<Failure> {
      const { stage, eventType } = progress[i]!;
      const what = { stage, eventType, message: messages[i], context };
      if (isPermanent(error)) {
        await parts.poison(facts[i]!, { ...what, reason: error.reason, detail: error.message });
        return holding && sessionId !== null ? { kind: 'hold', reason: error.reason } : { kind: 'skip' };
      }
      telemetry.trackException(error, {
        ...parts.describe(facts[i]!, eventType),
        stage,
        lastDelivery,
        retriesInPlace: retries,
        batchSize: n,
      });
      if (!lastDelivery) {
        if (typeof error === 'object' && error !== null) reported.add(error);
        context.warn(
          `Bot "${bot.name}": message ${facts[i]!.messageId}${ofSession(facts[i]!)} (${i + 1} of a batch of ${n}) failed at ${stage} (delivery ${facts[i]!.deliveryCount} of ${bot.delivery.maxDeliveryCount}) after ${retries} retries in place; handing the batch back for redelivery: ${errorText(error)}`,
        );
        throw error;
      }
      // Abandoning would dead-letter every message of the batch on its last delivery, those after this one unprocessed.
      await parts.poison(facts[i]!, { ...what, reason: 'MaxDeliveryCountExceeded', detail: errorText(error) });
      return holding && sessionId !== null ? { kind: 'hold', reason: 'MaxDeliveryCountExceeded' } : { kind: 'skip' };
    }

    /**
     * The messages the target took are noted on the session record ("delivered through sequence N",
     * one conditional write), so a redelivery of the batch skips them. Written when the batch is handed
     * back, and also after a batch that went through: the host's batch loop never renews the session
     * lock ("Lock renewal also doesn't apply to batch functions",
     * https://github.com/Azure/azure-sdk-for-net/issues/27979), so a session kept busy past the queue's
     * lockDuration loses it, the host cannot complete this batch although it returned, and every message
     * comes back (https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.processsessionmessageeventargs.renewsessionlockasync).
     * Best effort: a failure is logged, never thrown (everything was delivered); then a redelivery
     * delivers again (at least once). Nothing is written when nothing new reached the target.
     */
    async function markDelivered(after: 'failure' | 'success'): Promise<void> {
      if (!deliveredNew || deliveredThrough === undefined || sessionId === null || parts.markDelivered === undefined) return;
      try {
        await parts.markDelivered(bot.name, sessionId, deliveredThrough, parts.now());
      } catch (error) {
        context.warn(
          `Bot "${bot.name}": could not note what session ${sessionId} delivered${after === 'success' ? ' (the batch went through; this only matters if its session lock was lost)' : ''}; a redelivery delivers it again: ${errorText(error)}`,
        );
      }
    }

    /** Keeps messages from..n-1 in the held line, in order; returns where the session turned out resumed (n: all kept). */
    async function keepFrom(from: number, held: string): Promise<number> {
      for (let i = from; i < n; i++) {
        at = i;
        progress[i]!.stage = 'session';
        if ((await step(() => parts.keep(messages[i], facts[i]!, held, progress[i]!.eventType))) === 'notHeld') return i;
      }
      return n;
    }

    /** Keeps messages from..n-1 behind a hold this batch found or set; a resume meanwhile hands the batch back (the line's order is the resume's). */
    async function keepRest(from: number, held: string): Promise<void> {
      if ((await keepFrom(from, held)) < n) {
        throw new TransientError(`session ${held} was resumed while its batch was being kept; processing the batch again`);
      }
    }

    /** Processes messages start..n-1 in runs of about `preparedPayloadBudgetBytes` of claim-checked payloads (one touch each). */
    async function processFrom(start: number, options: TouchOptions): Promise<void> {
      let next = start;
      let touchOptions = options;
      while (next < n) {
        next = await processRun(next, touchOptions);
        // Later runs build on the record the previous run's touch wrote (remembered by the store).
        touchOptions = {};
      }
    }

    /** One run: prepared, touched once, delivered; returns where the next run starts (n: done or stopped). */
    async function processRun(start: number, options: TouchOptions): Promise<number> {
      // 1. Each message ready for its target, in order, up to one that stops the session or the run's payload budget.
      const prepared: (Prepared | 'skipped')[] = [];
      let stop: { at: number; reason: string; base?: StoredSessionRecord } | undefined;
      let runEnd = n;
      let payloadBytes = 0;
      for (let i = start; i < n; i++) {
        at = i;
        try {
          const ready = await parts.prepare(messages[i], step, progress[i]!);
          prepared[i] = ready;
          if (ready.kind === 'event') payloadBytes += ready.claimCheckedBytes;
        } catch (error) {
          const failure = await failed(i, error);
          if (failure.kind === 'hold') {
            stop = { at: i, reason: failure.reason };
            break;
          }
          prepared[i] = 'skipped';
        }
        if (payloadBytes >= parts.preparedPayloadBudgetBytes && i + 1 < n) {
          runEnd = i + 1;
          break;
        }
      }
      const end = stop?.at ?? runEnd;

      // 2. One touch for the messages the bot will be shown.
      const counted: number[] = [];
      for (let i = start; i < end; i++) {
        const ready = prepared[i];
        if (ready !== undefined && ready !== 'skipped' && ready.kind === 'event') counted.push(i);
      }
      let touched: BatchTouchResult | undefined;
      if (sessionId !== null && counted.length > 0) {
        at = counted[0]!;
        for (const i of counted) progress[i]!.stage = 'session';
        const batch = counted.map((i) => ({ messageId: facts[i]!.messageId, sequenceNumber: facts[i]!.sequenceNumber }));
        touched = await step(() => parts.touchBatch!(bot.name, sessionId, batch, parts.now(), options));
        if (touched.held !== undefined) {
          // Held elsewhere since this process last knew the record: the whole batch joins the line, nothing counted.
          await keepRest(start, sessionId);
          return n;
        }
      }

      // 3. To the target, in order; a generation the touch closed is told just before the message that opened the next one.
      let place = -1;
      for (let i = start; i < end; i++) {
        const ready = prepared[i]!;
        if (ready === 'skipped') continue;
        at = i;
        const touchedHere = ready.kind === 'event' && touched !== undefined ? touched.places[++place]! : null;
        if (touched?.deliveredThrough !== undefined && facts[i]!.sequenceNumber <= touched.deliveredThrough) {
          // An earlier delivery of this batch got it to the target before the batch was handed back.
          telemetry.trackEvent('BotMessageAlreadyDelivered', { ...parts.describe(facts[i]!, progress[i]!.eventType), batchSize: n });
          if (ready.kind === 'event') deliveredThrough = facts[i]!.sequenceNumber;
          continue;
        }
        try {
          if (ready.kind === 'notice') await parts.tellSessionClosed(ready.notice, step);
          else {
            await parts.deliverEvent(ready.inline, sessionId, touchedHere, facts[i]!, step, progress[i]!);
            parts.reportProcessed(facts[i]!, progress[i]!.eventType, touchedHere?.session ?? null, ready.inline, {
              retriesInPlace: retries,
              batchSize: n,
            });
          }
          // Counted messages only: the mark lives on the counted batch (a notice before one is told before it anyway).
          if (sessionId !== null && ready.kind === 'event') {
            deliveredThrough = facts[i]!.sequenceNumber;
            deliveredNew = true;
          }
        } catch (error) {
          const failure = await failed(i, error);
          if (failure.kind === 'hold') {
            // The batch counted the messages after this one too: the hold writes the record as counted through this one.
            stop = { at: i, reason: failure.reason, base: place >= 0 ? touched?.countedThrough(place) : undefined };
            break;
          }
        }
      }

      // 4. A hold: the poisoned message heads the session's line, the rest of the batch behind it, in order.
      if (stop !== undefined && sessionId !== null) {
        at = stop.at;
        await parts.holdAt(messages[stop.at], facts[stop.at]!, progress[stop.at]!.eventType, stop.reason, context, stop.base);
        await keepRest(stop.at + 1, sessionId);
        return n;
      }
      return end;
    }

    if (parts.sessions && sessionId === null) {
      // Recorded, never completed unrecorded.
      const missing = missingSessionId();
      for (let i = 0; i < n; i++) {
        await parts.poison(facts[i]!, {
          reason: missing.reason,
          detail: missing.message,
          stage: 'message',
          eventType: facts[i]!.eventType,
          message: messages[i],
          context,
        });
      }
      return;
    }
    try {
      let options: TouchOptions = {};
      let from = 0;
      // As for one message: a session whose id is the first message's own id is new, so no hold to look for.
      if (holding && sessionId !== null && sessionId !== facts[0]!.messageId) {
        progress[0]!.stage = 'session';
        const known = await step(() => parts.look(sessionId));
        options = { known };
        if (known?.hold !== undefined) {
          from = await keepFrom(0, sessionId);
          if (from === n) return;
          // Resumed meanwhile: what was kept is the resume's, the rest is processed as usual (what `look` said is stale).
          options = {};
        }
      }
      await processFrom(from, options);
      await markDelivered('success');
    } catch (error) {
      // The host abandons the whole batch (on their last delivery, the broker dead-letters them).
      if (typeof error !== 'object' || error === null || !reported.has(error)) {
        telemetry.trackException(error, {
          ...parts.describe(facts[at]!, progress[at]!.eventType),
          stage: progress[at]!.stage,
          lastDelivery,
          retriesInPlace: retries,
          batchSize: n,
        });
        context.warn(
          `Bot "${bot.name}": the batch of ${n}${ofSession(facts[0]!)} failed at message ${facts[at]!.messageId} (${at + 1}, ${progress[at]!.stage}); handing the batch back for redelivery: ${errorText(error)}`,
        );
      }
      await markDelivered('failure');
      throw error;
    }
  };
}

/** The batch's session: every message of a session trigger's batch has the same one. */
function sessionOf(facts: readonly BatchMessageFacts[]): string | null {
  const first = facts[0]!.sessionId;
  const other = facts.find((f) => f.sessionId !== first);
  if (other !== undefined) {
    throw new Error(
      `The batch mixes sessions ("${first}" and "${other.sessionId}", message ${other.messageId}): a session trigger hands over one session's messages`,
    );
  }
  return first;
}
