import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { BotRegistry } from '../bots/bot-registry.js';
import { webhookSecrets, type Settings } from '../config/settings.js';
import { buildEnvelope } from '../envelope/build-envelope.js';
import { routeEvent } from '../routing/route-event.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { ClaimCheck } from '../transport/claim-check.js';
import type { Dispatcher } from '../transport/dispatcher.js';
import { deliverToBots } from './deliver-to-bots.js';
import { ingressLog, type IngressLog } from './ingress-log.js';
import { isValidDeliveryId } from './validate-delivery-id.js';
import { receiveDelivery } from './receive-delivery.js';
import { startSendBudget } from './start-send-budget.js';
import type { ReplayDecision, ReplayGuard } from './replay-guard.js';
import { jsonResponse, rejectionResponse } from './webhook-response.js';
import { WebhookRejection } from './webhook-rejection.js';

/** What the webhook needs, passed in so tests and both hosts build it from real or fake parts. */
export interface WebhookDependencies {
  settings: Settings;
  registry: BotRegistry;
  dispatcher: Dispatcher;
  claimCheck: Pick<ClaimCheck, 'store'>;
  telemetry: Telemetry;
  /** The clock for `receivedAt` (time-partitioned sessions derive from it). */
  now: () => Date;
  /** Drops a body already accepted under another delivery id; absent = no replay check. */
  replayGuard?: ReplayGuard;
}

/** An HttpHandler that always answers with a plain HttpResponseInit (JSON body). */
export type WebhookHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * `POST /api/github/webhooks`: verify → parse → envelope → route → send. Answers 202 only once
 * every routed queue has accepted the message, so a 2xx to GitHub means the event is durable;
 * anything else is `{error, detail}` with the status DESIGN.md lists.
 */
export function createWebhookHandler(deps: WebhookDependencies): WebhookHandler {
  const { settings, registry, dispatcher, claimCheck, telemetry, now, replayGuard } = deps;
  const secrets = webhookSecrets(settings);

  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const started = performance.now();
    const sendBudget = startSendBudget(settings.WEBHOOK_SEND_BUDGET_MS);
    const budget = sendBudget.signal;
    const claimedId = request.headers.get('x-github-delivery') ?? '';
    // Only a well-formed id goes into logs: the header is attacker-controlled until verified.
    let log = ingressLog(context, { deliveryId: isValidDeliveryId(claimedId) ? claimedId : null });
    let eventType: string | undefined;
    try {
      const delivery = await receiveDelivery(request, { secrets, maxBodyBytes: settings.WEBHOOK_MAX_BODY_BYTES });
      eventType = delivery.eventType;
      // Named fields, not `{ ...delivery, receivedAt }`: no copy of the 14-field delivery on the hot path.
      const envelope = buildEnvelope({
        eventType: delivery.eventType,
        deliveryId: delivery.deliveryId,
        payload: delivery.payload,
        receivedAt: now(),
        contentType: delivery.contentType,
        hookId: delivery.hookId,
        targetType: delivery.targetType,
        targetId: delivery.targetId,
        userAgent: delivery.userAgent,
      });
      const event = envelope.action === null ? envelope.eventType : `${envelope.eventType}.${envelope.action}`;
      log = ingressLog(context, { deliveryId: delivery.deliveryId, event });
      telemetry.trackEvent('WebhookReceived', {
        deliveryId: delivery.deliveryId,
        eventType,
        action: envelope.action ?? undefined,
        contentType: delivery.contentType,
        bytes: delivery.bodyBytes,
      });
      if (delivery.secretIndex > 0)
        log.warn('webhook verified with the previous secret; finish the rotation on GitHub', { secret: 'GITHUB_WEBHOOK_SECRET_PREVIOUS' });

      if (delivery.eventType === 'ping') {
        log.info('webhook ping answered', { hookId: delivery.hookId });
        return jsonResponse(200, {
          deliveryId: delivery.deliveryId,
          event: 'ping',
          detail: 'pong: the webhook is reachable and its signature verified',
        });
      }

      const routes = routeEvent(envelope, registry);
      if (routes.length === 0) {
        log.info('webhook accepted, no bot subscribes to it', { ms: elapsed(started) });
        return jsonResponse(202, {
          deliveryId: delivery.deliveryId,
          routes: [],
          detail: `no bot subscribes to ${event}; nothing was queued`,
        });
      }

      // GitHub signs the body, not the headers: the same body under a new delivery id is a replay.
      // Keyed by the body's verified HMAC (already computed: no second pass over the bytes).
      // Asked now, awaited inside deliverToBots after it has taken the event's place in line.
      const replay: Promise<ReplayDecision | undefined> =
        replayGuard === undefined ? Promise.resolve(undefined) : replayGuard.claim(delivery.signatureDigest, delivery.deliveryId, budget);
      // Synchronously after routing: deliverToBots takes the event's place in each session's line before its first await.
      const outcome = await deliverToBots(envelope, routes, {
        dispatcher,
        claimCheck,
        thresholdBytes: settings.CLAIM_CHECK_THRESHOLD_BYTES,
        payloadBytes: delivery.payloadBytes,
        signal: budget,
        replay,
      });
      if (outcome.replay?.kind === 'unchecked') {
        telemetry.trackEvent('WebhookReplayCheckFailed', { deliveryId: delivery.deliveryId, eventType });
        log.warn('replay check unavailable, delivered anyway', { error: errorText(outcome.replay.error) });
      }
      if (outcome.replay?.kind === 'duplicate') {
        const { firstDeliveryId } = outcome.replay;
        telemetry.trackEvent('WebhookDuplicate', { deliveryId: delivery.deliveryId, eventType, firstDeliveryId });
        log.info('webhook dropped: the same body was already accepted', { firstDeliveryId, ms: elapsed(started) });
        return jsonResponse(202, {
          deliveryId: delivery.deliveryId,
          duplicate: true,
          firstDeliveryId,
          detail: `this body was already accepted as delivery ${firstDeliveryId}; nothing was queued again`,
        });
      }
      if (outcome.payloadRef !== null) {
        telemetry.trackEvent('WebhookClaimChecked', { deliveryId: delivery.deliveryId, eventType, bytes: outcome.payloadRef.size });
      }
      for (const route of routes) {
        telemetry.trackEvent('WebhookRouted', {
          deliveryId: delivery.deliveryId,
          eventType,
          action: envelope.action ?? undefined,
          bot: route.bot,
          ordered: route.ordered,
        });
      }
      telemetry.trackMetric('WebhookHandlerLatencyMs', elapsed(started), { eventType, bots: routes.length });
      log.info('webhook queued', {
        bots: routes.map((route) => route.bot).join(','),
        claimChecked: outcome.payloadRef !== null,
        envelopeBytes: outcome.envelopeBytes,
        ms: elapsed(started),
      });
      return jsonResponse(202, {
        deliveryId: delivery.deliveryId,
        // null: the bot's queue has no sessions (strategy none).
        routes: routes.map(({ bot, sessionId }) => ({ bot, sessionId: sessionId ?? null })),
        ...(outcome.payloadRef === null ? {} : { payloadRef: outcome.payloadRef.blobName }),
      });
    } catch (error) {
      return reject(error, { telemetry, log, eventType, started });
    } finally {
      sendBudget.stop();
    }
  };
}

function reject(
  error: unknown,
  { telemetry, log, eventType, started }: { telemetry: Telemetry; log: IngressLog; eventType: string | undefined; started: number },
): HttpResponseInit {
  const rejection =
    error instanceof WebhookRejection
      ? error
      : new WebhookRejection(500, 'internal_error', 'the webhook failed unexpectedly; the error is logged', { cause: error });
  telemetry.trackEvent('WebhookRejected', { reason: rejection.reason, status: rejection.status, eventType });
  const fields = { status: rejection.status, reason: rejection.reason, detail: rejection.detail, ms: elapsed(started) };
  if (rejection.status >= 500) {
    telemetry.trackException(rejection.cause ?? rejection, { reason: rejection.reason });
    log.error(rejection.reason === 'internal_error' ? `webhook failed: ${errorText(error)}` : 'webhook refused', fields);
  } else {
    log.warn('webhook rejected', fields);
  }
  return rejectionResponse(rejection);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}
