import type { InvocationContext } from '@azure/functions';
import type { ServiceBusBatchHandler, ServiceBusMessageHandler } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { queueRequiresSession } from '../bots/queue-requires-session.js';
import type { EventEnvelope, InlineEventEnvelope, JsonObject, PayloadRef } from '../envelope/event-envelope.js';
import { isPermanent, TransientError } from '../errors/delivery-errors.js';
import { reportSessionClosed } from '../lifecycle/report-session-closed.js';
import { readSessionClosedNotice } from '../lifecycle/session-closed-notice.js';
import type { BatchSessionToucher, SessionContext, SessionToucher, TouchOptions } from '../lifecycle/session-context.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { BotTarget } from '../targets/bot-target.js';
import { errorText } from './error-text.js';
import { messageBodyText } from './message-body.js';
import type { HeldMessage } from './held-message-store.js';
import { keepHeldMessage, type HoldDeps } from './keep-held-message.js';
import type { PoisonRecordInput, PoisonStage, PoisonStore } from './poison-record.js';
import type { HeldDelivery } from './resume-held-session.js';
import { invocationSignals } from './invocation-signal.js';
import { abortableWait, retryInPlace, type RetryInPlaceOptions } from './retry-in-place.js';
import { readQueueMessageFacts, type QueueMessageFacts } from './trigger-metadata.js';
import { createBatchHandler, PREPARED_PAYLOAD_BUDGET_BYTES } from './handle-message-batch.js';
import {
  missingSessionId,
  ofSession,
  type DeliverEvent,
  type DescribeMessage,
  type HoldAt,
  type Keep,
  type Prepare,
  type Progress,
  type RecordPoison,
  type ReportProcessed,
  type Step,
  type StepsOfInvocation,
  type TellSessionClosed,
} from './pipeline-steps.js';

export interface BotMessageHandlerDeps {
  bot: BotDefinition;
  /** Validates a message body (parsed JSON, text or bytes); throws `PermanentError('MalformedEnvelope', …)`. */
  parseEnvelope: (body: unknown) => EventEnvelope;
  /** The claim check: throws `PermanentError` for a missing or corrupt blob, `TransientError` for the network. */
  resolvePayload: (ref: PayloadRef) => Promise<JsonObject>;
  /** With `touchBatch` for a bot with `cardinality: "many"` (one Table write per batch). */
  sessions: SessionToucher & Partial<Pick<BatchSessionToucher, 'touchBatch' | 'markDelivered'>>;
  target: BotTarget;
  poison: PoisonStore;
  telemetry: Telemetry;
  now: () => Date;
  /** Waits between retries in place (see `retryInPlace`); tests pass a fake. */
  wait?: RetryInPlaceOptions['wait'];
  /** Jitter for the backoff, [0, 1). */
  random?: () => number;
  /** The held-message store and the session records' hold marker: required for a bot with `onPoison: "hold"`. */
  holds?: HoldDeps;
  /** A batch's claim-checked payloads held at once (default `PREPARED_PAYLOAD_BUDGET_BYTES`); tests pass a small one. */
  preparedPayloadBudgetBytes?: number;
}

/**
 * The per-message pipeline of one bot's queue: envelope → claim check → session touch → target.
 * A bot with `strategy: none` has a queue without sessions: no touch, and `session` is null.
 * The host completes the message when this returns and abandons it
 * (redelivered first, so the session waits: that is ordering) when it throws.
 *
 * - Transient failure: retried in place (`retryInPlace`: backoff with jitter, or the target's
 *   Retry-After) while the host holds and renews the session lock, for up to the bot's
 *   `delivery.maxRetryDuration`, without spending a delivery attempt; then thrown, so the host
 *   abandons it (delivery count + 1). A step that succeeded is not run again (one session touch
 *   per delivery). On the queue's last allowed delivery the message is first
 *   recorded as poison (`MaxDeliveryCountExceeded` + the last error), so the message the broker
 *   dead-letters is also in the poison store.
 * - Permanent failure: record as poison with its reason, report, and return, so the session
 *   moves on (`onPoison: "skip"`), or stop the session at it (`"hold"`: the message heads the
 *   session's line in the held-message store; so does one past its last delivery, instead of the
 *   dead-letter queue). If the poison or held store cannot be written the message is retried
 *   instead: never completed unrecorded.
 * - Held session (`"hold"`): the hold marker is on the session record that the touch reads or
 *   remembers anyway (`look`, its read handed to the touch), so a session that is not held costs
 *   nothing extra; a message of a held session is kept in line, in order, and completed.
 * - A session-closed control message (a close by the janitor or an operator) is told to the target,
 *   in order, without touching the session; a close by the touch is told just before the message
 *   that opened the next generation. A bot without sessions (strategy none) is told of none.
 * - A message that fails before its target (bad envelope, claim check) never touches its
 *   session: the bot never saw it, so it does not count toward the session's limits. A target's
 *   rejection happens after the touch, so it counts, like any message the bot was shown.
 */
export function createBotMessageHandler(deps: BotMessageHandlerDeps): ServiceBusMessageHandler {
  return createBotPipeline(deps).handle;
}

export interface BotPipeline {
  /** The queue trigger's handler. */
  handle: ServiceBusMessageHandler;
  /** The queue trigger's handler for a bot with `cardinality: "many"`: a batch, message by message in order (see handle-message-batch.ts). */
  handleBatch: ServiceBusBatchHandler;
  /** Delivers one kept message of a held session through the same steps (the resume's delivery; no retry in place). */
  deliverHeld: (message: HeldMessage) => Promise<HeldDelivery>;
}

type RunOutcome =
  | { kind: 'processed'; session: SessionContext | null; inline: InlineEventEnvelope }
  | { kind: 'notice' }
  /** The touch found the session held (this process remembered it unheld): keep the message instead. */
  | { kind: 'held' };

export function createBotPipeline(deps: BotMessageHandlerDeps): BotPipeline {
  const { bot, telemetry } = deps;
  const wait = deps.wait ?? abortableWait;
  const random = deps.random ?? Math.random;
  const holding = bot.onPoison === 'hold';
  if (holding && deps.holds === undefined) throw new Error(`Bot "${bot.name}" has onPoison "hold", but no held-message store was given`);
  // A bot without sessions (strategy none) has no session to count and no generations to close:
  // no Table write per message, no notices, and its target is told `session: null`.
  const sessions = queueRequiresSession(bot);
  if (bot.cardinality === 'many' && sessions && deps.sessions.touchBatch === undefined) {
    throw new Error(`Bot "${bot.name}" has cardinality "many", but the session store given has no batch touch`);
  }

  const stepsOf: StepsOfInvocation = (context, budgetMs, onRetry) => {
    const retrying: RetryInPlaceOptions = {
      deadline: deps.now().getTime() + budgetMs,
      firstDelayMs: bot.delivery.retryDelay.ms,
      signals: invocationSignals(context),
      now: () => deps.now().getTime(),
      wait,
      random,
      onRetry,
    };
    return async (run) => (await retryInPlace(run, retrying)).value;
  };

  /** The steps after the hold check: control message or envelope → claim check → touch → target. */
  async function run(
    message: unknown,
    facts: QueueMessageFacts,
    sessionId: string | null,
    step: Step,
    progress: Progress,
    options: TouchOptions,
  ): Promise<RunOutcome> {
    const prepared = await prepare(message, step, progress);
    if (prepared.kind === 'notice') {
      await tellSessionClosed(prepared.notice, step);
      return { kind: 'notice' };
    }
    const { inline } = prepared;
    if (sessionId === null) {
      await deliverEvent(inline, null, null, facts, step, progress);
      return { kind: 'processed', session: null, inline };
    }
    progress.stage = 'session';
    const touched = await step(() => deps.sessions.touch(bot.name, sessionId, facts.messageId, deps.now(), options));
    if (touched.held !== undefined) return { kind: 'held' };
    await deliverEvent(inline, sessionId, touched, facts, step, progress);
    return { kind: 'processed', session: touched.session, inline };
  }

  const prepare: Prepare = async (message, step, progress) => {
    const notice = readSessionClosedNotice(message);
    if (notice !== undefined) {
      progress.stage = 'target';
      progress.eventType = 'session-closed';
      return { kind: 'notice', notice };
    }
    progress.stage = 'envelope';
    const envelope = deps.parseEnvelope(message);
    progress.eventType = envelope.eventType;
    progress.stage = 'claim-check';
    const inline = await step(() => withPayload(envelope, deps.resolvePayload));
    return { kind: 'event', inline, claimCheckedBytes: envelope.payloadRef?.size ?? 0 };
  };

  const deliverEvent: DeliverEvent = async (inline, sessionId, touched, facts, step, progress) => {
    const closed = touched?.closed ?? null;
    if (closed !== null && sessionId !== null) {
      reportSessionClosed(telemetry, { ...closed, bot: bot.name, sessionId, closedBy: 'touch' });
      // Before the message that opened the next generation; a redelivery of it tells the bot again.
      progress.stage = 'target';
      await tellSessionClosed(
        {
          sessionId,
          generation: closed.generation,
          reason: closed.reason,
          messageCount: closed.messageCount,
          openedAt: closed.openedAt.toISOString(),
          closedAt: closed.closedAt.toISOString(),
        },
        step,
      );
    }
    progress.stage = 'target';
    const session = touched?.session ?? null;
    await step(() => deps.target.deliver({ envelope: inline, session, deliveryCount: facts.deliveryCount }));
  };

  /**
   * A transient failure is retried like a message (the notice is at least once, in order). A bot
   * that rejects the notice for good (say an existing GitHub app answering 400 to a request
   * without `X-GitHub-Event`) does not take notices: that is tracked, and neither poisons nor
   * holds its session.
   */
  const tellSessionClosed: TellSessionClosed = async (notice, step) => {
    if (!sessions || deps.target.sessionClosed === undefined) return;
    const properties = { bot: bot.name, sessionId: notice.sessionId, generation: notice.generation, reason: notice.reason };
    try {
      await step(() => deps.target.sessionClosed!(notice));
    } catch (error) {
      if (!isPermanent(error)) throw error;
      telemetry.trackEvent('SessionClosedNoticeRejected', { ...properties, detail: error.message });
      return;
    }
    telemetry.trackEvent('SessionClosedNoticeDelivered', properties);
  };

  const keep: Keep = async (message, facts, sessionId, eventType, poison, base) => {
    const current = base ?? (await deps.sessions.look(bot.name, sessionId, deps.now()));
    const body = messageBodyText(message);
    const toKeep = {
      bot: bot.name,
      sessionId,
      messageId: facts.messageId,
      body,
      eventType: eventType ?? facts.eventType,
      payloadBlob: payloadBlobOf(body),
      enqueuedTimeUtc: facts.enqueuedTimeUtc,
    };
    const outcome = await keepHeldMessage(deps.holds!, toKeep, current ?? undefined, deps.now(), poison);
    if (outcome === 'kept') {
      telemetry.trackEvent(poison === undefined ? 'BotMessageKeptWhileHeld' : 'BotSessionHeld', {
        bot: bot.name,
        sessionId,
        messageId: facts.messageId,
        reason: poison?.reason,
      });
    }
    return outcome;
  };

  const handle: ServiceBusMessageHandler = async function handleBotMessage(message: unknown, context: InvocationContext): Promise<void> {
    const facts = readQueueMessageFacts(context);
    const progress: Progress = { stage: 'message', eventType: facts.eventType };
    let retries = 0;
    const step = stepsOf(context, bot.delivery.maxRetryDuration.ms, (error, retry, waitMs) => {
      retries++;
      context.warn(
        `Bot "${bot.name}": message ${facts.messageId}${ofSession(facts)} failed at ${progress.stage} (delivery ${facts.deliveryCount}); retry ${retry} in place in ${waitMs} ms: ${errorText(error)}`,
      );
    });
    try {
      if (facts.sessionId === null && sessions) throw missingSessionId();
      const sessionId = sessions ? facts.sessionId : null;
      let options: TouchOptions = {};
      // A session whose id is the message's own delivery id (an event without a key) is new: no hold to
      // look for. Should it exist after all (a redelivery), the touch reads it and reports a hold ('held').
      if (holding && sessionId !== null && sessionId !== facts.messageId) {
        // Free for a session this process knows; for one it does not, the read is handed to the touch.
        progress.stage = 'session';
        const known = await step(() => deps.sessions.look(bot.name, sessionId, deps.now()));
        options = { known };
        if (known?.hold !== undefined) {
          if ((await step(() => keep(message, facts, sessionId, null))) === 'kept') return;
          options = {}; // resumed meanwhile: what `look` said is stale
        }
      }
      const outcome = await run(message, facts, sessionId, step, progress, options);
      if (outcome.kind === 'held' && sessionId !== null) {
        if ((await step(() => keep(message, facts, sessionId, progress.eventType))) === 'kept') return;
        throw new TransientError(`session ${sessionId} was resumed while message ${facts.messageId} was being kept; processing it again`);
      }
      if (outcome.kind !== 'processed') return;
      reportProcessed(facts, progress.eventType, outcome.session, outcome.inline, { retriesInPlace: retries });
    } catch (error) {
      const { stage, eventType } = progress;
      if (isPermanent(error)) {
        await poison(facts, { reason: error.reason, detail: error.message, stage, eventType, message, context });
        await holdAt(message, facts, eventType, error.reason, context);
        return;
      }
      const lastDelivery = facts.deliveryCount >= bot.delivery.maxDeliveryCount;
      const properties = { ...describe(facts, eventType), stage, lastDelivery, retriesInPlace: retries };
      telemetry.trackException(error, properties);
      if (lastDelivery) {
        const recorded = await poison(facts, {
          reason: 'MaxDeliveryCountExceeded',
          detail: errorText(error),
          stage,
          eventType,
          message,
          context,
        }).then(
          () => true,
          // The broker dead-letters it anyway, so the message is still kept; say where.
          (recordError: unknown) => {
            context.error(
              `Bot "${bot.name}": message ${facts.messageId} goes to the dead-letter queue unrecorded in the poison store: ${errorText(recordError)}`,
            );
            return false;
          },
        );
        // A held session keeps the message in its line instead of the dead-letter queue.
        if (recorded && holding && facts.sessionId !== null) {
          const held = await holdAt(message, facts, eventType, 'MaxDeliveryCountExceeded', context).then(
            () => true,
            (holdError: unknown) => {
              context.error(
                `Bot "${bot.name}": could not hold session ${facts.sessionId} at message ${facts.messageId}; it goes to the dead-letter queue: ${errorText(holdError)}`,
              );
              return false;
            },
          );
          if (held) return;
        }
      } else {
        context.warn(
          `Bot "${bot.name}": message ${facts.messageId}${ofSession(facts)} failed at ${stage} (delivery ${facts.deliveryCount} of ${bot.delivery.maxDeliveryCount}) after ${retries} retries in place; handing it back for redelivery: ${errorText(error)}`,
        );
      }
      throw error;
    }
  };

  /**
   * With `onPoison: "hold"`, stops the session at a poisoned message: it becomes the head of the
   * session's held line. Throws if that cannot be stored, so the message is retried, never
   * completed unkept.
   */
  const holdAt: HoldAt = async (message, facts, eventType, reason, context, base) => {
    if (!holding || facts.sessionId === null) return;
    await keep(message, facts, facts.sessionId, eventType, { reason }, base);
    context.error(
      `Bot "${bot.name}": session ${facts.sessionId} is held at message ${facts.messageId} (${reason}); resume it with POST /api/held/${bot.name}/{sessionId}?action=retry|skip`,
    );
  };

  async function deliverHeld(held: HeldMessage): Promise<HeldDelivery> {
    const facts: QueueMessageFacts = {
      sessionId: held.sessionId,
      messageId: held.messageId,
      deliveryCount: 1,
      enqueuedTimeUtc: held.enqueuedTimeUtc,
      eventType: held.eventType,
    };
    const progress: Progress = { stage: 'message', eventType: held.eventType };
    try {
      await run(held.body, facts, held.sessionId, (once) => once(), progress, { draining: true });
      telemetry.trackEvent('BotHeldMessageDelivered', { ...describe(facts, progress.eventType) });
      return { kind: 'delivered' };
    } catch (error) {
      if (!isPermanent(error)) return { kind: 'transient', error: errorText(error) };
      try {
        await deps.poison.record(poisonRecord(facts, { ...progress, reason: error.reason, detail: error.message, body: held.body }));
      } catch (recordError) {
        return { kind: 'transient', error: `could not record the poisoned message: ${errorText(recordError)}` };
      }
      return { kind: 'poisoned', reason: error.reason, error: error.message };
    }
  }

  const poison: RecordPoison = async (facts, what) => {
    try {
      await deps.poison.record(poisonRecord(facts, { ...what, body: messageBodyText(what.message) }));
    } catch (recordError) {
      telemetry.trackException(recordError, { ...describe(facts, what.eventType), stage: 'poison-store' });
      what.context.error(
        `Bot "${bot.name}": could not record message ${facts.messageId} as poison (${what.reason}); it stays on the queue to be retried: ${errorText(recordError)}`,
      );
      throw recordError;
    }
    telemetry.trackEvent('BotMessagePoisoned', { ...describe(facts, what.eventType), reason: what.reason, stage: what.stage });
    what.context.error(
      `Bot "${bot.name}": message ${facts.messageId}${ofSession(facts)} recorded as poison (${what.reason} at ${what.stage}, delivery ${facts.deliveryCount}): ${what.detail}`,
    );
  };

  /** The poison store's record of a message, from the queue's facts about it and where it failed. */
  function poisonRecord(
    facts: QueueMessageFacts,
    what: { reason: string; detail: string; stage: PoisonStage; eventType: string | null; body: string },
  ): PoisonRecordInput {
    return {
      bot: bot.name,
      messageId: facts.messageId,
      sessionId: facts.sessionId,
      deliveryCount: facts.deliveryCount,
      reason: what.reason,
      detail: what.detail,
      stage: what.stage,
      eventType: what.eventType,
      enqueuedTimeUtc: facts.enqueuedTimeUtc,
      body: what.body,
      recordedAt: deps.now(),
    };
  }

  const reportProcessed: ReportProcessed = (facts, eventType, session, inline, extra) => {
    telemetry.trackEvent('BotMessageProcessed', {
      ...describe(facts, eventType),
      generation: session?.generation,
      index: session?.index,
      ...extra,
    });
    const receivedAt = Date.parse(inline.metadata.receivedAt);
    if (Number.isFinite(receivedAt)) telemetry.trackMetric('BotMessageLatencyMs', deps.now().getTime() - receivedAt, { bot: bot.name });
  };

  const describe: DescribeMessage = (facts, eventType) => {
    return {
      bot: bot.name,
      sessionId: facts.sessionId ?? undefined,
      messageId: facts.messageId,
      deliveryCount: facts.deliveryCount,
      eventType: eventType ?? undefined,
    };
  };

  const handleBatch = createBatchHandler({
    bot,
    sessions,
    touchBatch: deps.sessions.touchBatch?.bind(deps.sessions),
    markDelivered: deps.sessions.markDelivered?.bind(deps.sessions),
    look: (sessionId) => deps.sessions.look(bot.name, sessionId, deps.now()),
    telemetry,
    now: deps.now,
    stepsOf,
    prepare,
    deliverEvent,
    tellSessionClosed,
    keep,
    holdAt,
    poison,
    describe,
    reportProcessed,
    preparedPayloadBudgetBytes: deps.preparedPayloadBudgetBytes ?? PREPARED_PAYLOAD_BUDGET_BYTES,
  });

  return { handle, handleBatch, deliverHeld };
}

/** The claim-checked payload's blob a message body refers to, so the local sweep keeps it while the message is held. */
function payloadBlobOf(body: string): string | null {
  if (!body.includes('"payloadRef"')) return null;
  try {
    const parsed = JSON.parse(body) as { payloadRef?: { blobName?: unknown } };
    return typeof parsed.payloadRef?.blobName === 'string' ? parsed.payloadRef.blobName : null;
  } catch {
    return null;
  }
}

async function withPayload(envelope: EventEnvelope, resolvePayload: BotMessageHandlerDeps['resolvePayload']): Promise<InlineEventEnvelope> {
  if (envelope.payload !== undefined) return envelope;
  const { payloadRef, ...fields } = envelope;
  return { ...fields, payload: await resolvePayload(payloadRef) };
}
