import type { EventEnvelope, InlineEventEnvelope, PayloadRef } from '../envelope/event-envelope.js';
import { isPermanent } from '../errors/delivery-errors.js';
import type { ClaimCheck } from '../transport/claim-check.js';
import { DispatchError, type DispatchReservation, type Dispatcher } from '../transport/dispatcher.js';
import type { MessageRoute } from '../transport/outgoing-message.js';
import { planInlineEnvelope } from '../transport/envelope-bytes.js';
import { describeSendError } from '../transport/send-with-retry.js';
import type { ReplayDecision } from './replay-guard.js';
import { WebhookRejection } from './webhook-rejection.js';

export interface DeliverOptions {
  dispatcher: Dispatcher;
  claimCheck: Pick<ClaimCheck, 'store'>;
  thresholdBytes: number;
  /** The payload's JSON as the raw bytes GitHub signed: what the message carries, or the claim check stores. */
  payloadBytes: Buffer;
  /** The webhook's time budget. */
  signal: AbortSignal;
  /** The replay guard's decision, awaited once the event holds its place in line; undefined = not checked. */
  replay?: Promise<ReplayDecision | undefined>;
}

export interface DeliveryOutcome {
  payloadRef: PayloadRef | null;
  envelopeBytes: number;
  /** What the replay guard said; on `duplicate` nothing was stored or sent. */
  replay: ReplayDecision | undefined;
}

/**
 * Puts the envelope in every routed queue, or throws a WebhookRejection saying why not. An
 * envelope over the threshold goes by claim check: the payload is written to Blob storage once
 * and every bot's envelope carries the same `payloadRef` (Service Bus Standard caps a message at
 * 256 KB; the threshold leaves room for the headers and properties).
 *
 * The event's place in each session's line is taken on the first line, synchronously, before the
 * Blob write: a large event is not overtaken by a smaller later one of its pull request. The
 * `finally` gives the places up on every way out that did not send. The replay guard's answer
 * is awaited after the place is taken (so its Table round trip cannot reorder a session); a
 * duplicate sends nothing, and a claim whose sends failed is released for a later copy.
 */
export async function deliverToBots(
  envelope: InlineEventEnvelope,
  routes: readonly MessageRoute[],
  { dispatcher, claimCheck, thresholdBytes, payloadBytes, signal, replay: replayDecision }: DeliverOptions,
): Promise<DeliveryOutcome> {
  const reservation = dispatcher.reserve(routes);
  let replay: ReplayDecision | undefined;
  try {
    // Decided from the raw byte length: the payload is never re-serialised to measure it.
    const inline = planInlineEnvelope(envelope, payloadBytes);
    const size = inline.size;
    replay = await replayDecision;
    if (replay?.kind === 'duplicate') return { payloadRef: null, envelopeBytes: size, replay };
    let sent: EventEnvelope = envelope;
    let payloadRef: PayloadRef | null = null;
    if (size > thresholdBytes) {
      payloadRef = await storePayload(claimCheck, envelope.eventId, payloadBytes, signal);
      const { payload: _inline, ...withoutPayload } = envelope;
      sent = { ...withoutPayload, payloadRef };
    } else {
      inline.bytes();
    }
    await dispatchOrReject(reservation, sent, signal);
    return { payloadRef, envelopeBytes: size, replay };
  } catch (error) {
    // Not accepted: a later copy of this body (another hook's, or this one under a new id) must not be dropped.
    if (replay?.kind === 'new') await replay.release();
    throw error;
  } finally {
    reservation.release();
  }
}

async function dispatchOrReject(reservation: DispatchReservation, envelope: EventEnvelope, signal: AbortSignal): Promise<void> {
  try {
    await reservation.dispatch(envelope, signal);
  } catch (error) {
    const detail = error instanceof DispatchError ? describeFailures(error) : describeSendError(error);
    throw new WebhookRejection(
      503,
      'queues_unavailable',
      `not every bot's queue accepted the event, redeliver it (queues that did accept drop the copy): ${detail}`,
      { cause: error },
    );
  }
}

/** `bot (queue q), bot (queue q): reason; …`: queues failing for the same reason are named together. */
function describeFailures({ failures }: DispatchError): string {
  const byReason = new Map<string, string[]>();
  for (const { bot, queue, reason } of failures) byReason.set(reason, [...(byReason.get(reason) ?? []), `${bot} (queue ${queue})`]);
  return [...byReason].map(([reason, bots]) => `${bots.join(', ')}: ${reason}`).join('; ');
}

async function storePayload(
  claimCheck: Pick<ClaimCheck, 'store'>,
  deliveryId: string,
  bytes: Buffer,
  signal: AbortSignal,
): Promise<PayloadRef> {
  try {
    return await claimCheck.store(deliveryId, bytes, signal);
  } catch (error) {
    if (isPermanent(error)) throw new WebhookRejection(409, 'payload_conflict', error.message, { cause: error });
    throw new WebhookRejection(
      503,
      'storage_unavailable',
      `the payload is too large for a message and could not be claim-checked to Blob storage: ${describeSendError(error)}`,
      { cause: error },
    );
  }
}
