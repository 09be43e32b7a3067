import { setTimeout as sleep } from 'node:timers/promises';
import type { InvocationContext } from '@azure/functions';
import type { ServiceBusMessageHandler } from '../app/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { queueRequiresSession } from '../bots/queue-requires-session.js';
import type { EventEnvelope, InlineEventEnvelope, JsonObject, PayloadRef } from '../envelope/event-envelope.js';
import { isPermanent, PermanentError } from '../errors/delivery-errors.js';
import type { SessionToucher } from '../lifecycle/session-context.js';
import type { Telemetry, TelemetryProperties } from '../telemetry/telemetry.js';
import type { BotTarget } from '../targets/bot-target.js';
import { messageBodyText } from './message-body.js';
import type { PoisonStage, PoisonStore } from './poison-record.js';
import { retryPauseMs } from './retry-pause.js';
import { readQueueMessageFacts, type QueueMessageFacts } from './trigger-metadata.js';

export interface BotMessageHandlerDeps {
  bot: BotDefinition;
  /** Validates a message body (parsed JSON, text or bytes); throws `PermanentError('MalformedEnvelope', …)`. */
  parseEnvelope: (body: unknown) => EventEnvelope;
  /** The claim check: throws `PermanentError` for a missing or corrupt blob, `TransientError` for the network. */
  resolvePayload: (ref: PayloadRef) => Promise<JsonObject>;
  sessions: SessionToucher;
  target: BotTarget;
  poison: PoisonStore;
  telemetry: Telemetry;
  now: () => Date;
  /** Waits before a transient failure is handed back (see `retryPauseMs`); tests pass a fake. */
  pause?: (ms: number) => Promise<void>;
}

/**
 * The per-message pipeline of one bot's queue: envelope → claim check → session touch → target.
 * A bot with `strategy: none` has a queue without sessions: no touch, and `session` is null. The host completes the message when this returns and abandons it
 * (redelivered first, so the session waits: that is ordering) when it throws.
 *
 * - Transient failure: pause (`retryPauseMs`: the broker would redeliver at once), then throw.
 *   On the queue's last allowed delivery the message is first
 *   recorded as poison (`MaxDeliveryCountExceeded` + the last error), so the message the broker
 *   dead-letters is also in the poison store.
 * - Permanent failure: record as poison with its reason, report, and return, so the session
 *   moves on. If the poison store cannot be written the message is retried instead: never
 *   completed unrecorded.
 * - A message that fails before its target (bad envelope, claim check) never touches its
 *   session: the bot never saw it, so it does not count toward the session's limits. A target's
 *   rejection happens after the touch, so it counts, like any message the bot was shown.
 */
export function createBotMessageHandler(deps: BotMessageHandlerDeps): ServiceBusMessageHandler {
  const { bot, telemetry } = deps;
  const sessions = queueRequiresSession(bot);
  const pause = deps.pause ?? ((ms: number) => sleep(ms));

  return async function handleBotMessage(message: unknown, context: InvocationContext): Promise<void> {
    const facts = readQueueMessageFacts(context);
    let stage: PoisonStage = 'message';
    let eventType = facts.eventType;
    try {
      if (facts.sessionId === null && sessions) throw missingSessionId();
      stage = 'envelope';
      const envelope = deps.parseEnvelope(message);
      eventType = envelope.eventType;
      stage = 'claim-check';
      const inline = await withPayload(envelope, deps.resolvePayload);
      stage = 'session';
      // A bot without sessions (strategy none) has no session to count: no Table write, and the
      // target is told so (session null) rather than shown a one-message session that never existed.
      const session = sessions && facts.sessionId !== null ? await deps.sessions.touch(bot.name, facts.sessionId, facts.messageId, deps.now()) : null;
      stage = 'target';
      await deps.target.deliver({ envelope: inline, session, deliveryCount: facts.deliveryCount });

      const done = deps.now();
      const properties = { ...describe(facts, eventType), generation: session?.generation, index: session?.index };
      telemetry.trackEvent('BotMessageProcessed', properties);
      const receivedAt = Date.parse(inline.metadata.receivedAt);
      if (Number.isFinite(receivedAt)) telemetry.trackMetric('BotMessageLatencyMs', done.getTime() - receivedAt, { bot: bot.name });
    } catch (error) {
      if (isPermanent(error)) {
        await poison(facts, { reason: error.reason, detail: error.message, stage, eventType, message, context });
        return;
      }
      const lastDelivery = facts.deliveryCount >= bot.delivery.maxDeliveryCount;
      const properties = { ...describe(facts, eventType), stage, lastDelivery };
      telemetry.trackException(error, properties);
      if (lastDelivery) {
        await poison(facts, { reason: 'MaxDeliveryCountExceeded', detail: errorText(error), stage, eventType, message, context }).catch(
          // The broker dead-letters it anyway, so the message is still kept; say where.
          (recordError: unknown) =>
            context.error(`Bot "${bot.name}": message ${facts.messageId} goes to the dead-letter queue unrecorded in the poison store: ${errorText(recordError)}`),
        );
      } else {
        const pauseMs = retryPauseMs(bot.delivery, facts.deliveryCount);
        context.warn(
          `Bot "${bot.name}": message ${facts.messageId}${ofSession(facts)} failed at ${stage} (delivery ${facts.deliveryCount} of ${bot.delivery.maxDeliveryCount}); it will be retried in ${pauseMs} ms: ${errorText(error)}`,
        );
        // Holding the message holds its session, which must wait for it anyway (ordering).
        if (pauseMs > 0) await pause(pauseMs);
      }
      throw error;
    }
  };

  async function poison(
    facts: QueueMessageFacts,
    what: { reason: string; detail: string; stage: PoisonStage; eventType: string | null; message: unknown; context: InvocationContext },
  ): Promise<void> {
    try {
      await deps.poison.record({
        bot: bot.name,
        messageId: facts.messageId,
        sessionId: facts.sessionId,
        deliveryCount: facts.deliveryCount,
        reason: what.reason,
        detail: what.detail,
        stage: what.stage,
        eventType: what.eventType,
        enqueuedTimeUtc: facts.enqueuedTimeUtc,
        body: messageBodyText(what.message),
        recordedAt: deps.now(),
      });
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
  }

  function describe(facts: QueueMessageFacts, eventType: string | null): TelemetryProperties {
    return {
      bot: bot.name,
      sessionId: facts.sessionId ?? undefined,
      messageId: facts.messageId,
      deliveryCount: facts.deliveryCount,
      eventType: eventType ?? undefined,
    };
  }
}

async function withPayload(envelope: EventEnvelope, resolvePayload: BotMessageHandlerDeps['resolvePayload']): Promise<InlineEventEnvelope> {
  if (envelope.payload !== undefined) return envelope;
  const { payloadRef, ...fields } = envelope;
  return { ...fields, payload: await resolvePayload(payloadRef) };
}

function ofSession(facts: QueueMessageFacts): string {
  return facts.sessionId === null ? '' : ` of session ${facts.sessionId}`;
}

function missingSessionId(): PermanentError {
  // A session-enabled queue never delivers one; a misconfigured trigger might.
  return new PermanentError('MissingSessionId', 'The message has no SessionId: is the trigger session-enabled?');
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
