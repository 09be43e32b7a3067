import { succeeded, type HookDelivery } from './hook-delivery.js';

export interface DueRedelivery {
  guid: string;
  /** The attempt to redeliver: the latest failed one (GitHub redelivers any attempt of a guid the same way). */
  deliveryId: number;
  event: string;
  action: string | undefined;
  /** The first attempt seen, for the event's age. */
  firstDeliveredAt: Date;
  /** How many redeliveries the guid has had so far (GitHub's records plus requests not yet recorded). */
  redeliveries: number;
  lastStatusCode: number;
}

export interface RedeliveryPlan {
  due: DueRedelivery[];
  guids: number;
  /** Guids with a 2xx attempt: nothing to do. */
  succeeded: number;
  /** Failed guids whose latest attempt (or our request) is younger than their back-off: left for a later run. */
  waiting: number;
}

export interface PlanOptions {
  now: Date;
  /** REDELIVERY_COOLDOWN: the wait after a failed attempt before the first redelivery; doubles with each redelivery. */
  cooldownMs: number;
  /** Redeliveries this process requested that GitHub may not list yet (guid → when requested). */
  requested?: ReadonlyMap<string, Date>;
}

/** The back-off stops doubling here: with PT5M, a still-failing guid is retried every 5 h 20 min at most. */
const MAX_DOUBLINGS = 6;

/**
 * Decides, from one listing of the hook's deliveries, which guids to redeliver. GitHub's
 * documented practice: a guid whose attempts all failed (status not OK) is redelivered
 * (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries). Here
 * "failed" means no 2xx in any attempt, original or redelivery, and a guid is due only when
 * its latest attempt is older than REDELIVERY_COOLDOWN × 2^(redeliveries so far): that leaves a
 * redelivery in flight alone, spaces retries out while the queues are still down, and bounds
 * the requests for a delivery that can never succeed. Oldest event first.
 */
export function planRedeliveries(deliveries: readonly HookDelivery[], options: PlanOptions): RedeliveryPlan {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const delivery of deliveries) {
    const attempts = byGuid.get(delivery.guid);
    if (attempts === undefined) byGuid.set(delivery.guid, [delivery]);
    else attempts.push(delivery);
  }

  const due: DueRedelivery[] = [];
  let succeededGuids = 0;
  let waiting = 0;
  for (const [guid, attempts] of byGuid) {
    if (attempts.some(succeeded)) {
      succeededGuids += 1;
      continue;
    }
    const byTime = [...attempts].sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id);
    const first = byTime[0]!;
    const latest = byTime[byTime.length - 1]!;
    const requestedAt = options.requested?.get(guid);
    const recordedRedeliveries = attempts.filter((attempt) => attempt.redelivery).length;
    // A request GitHub has not listed yet counts as one more redelivery, made when requested.
    const unlisted = requestedAt !== undefined && requestedAt.getTime() > Date.parse(latest.delivered_at);
    const redeliveries = recordedRedeliveries + (unlisted ? 1 : 0);
    const lastAttemptAt = unlisted ? requestedAt.getTime() : Date.parse(latest.delivered_at);
    const backoffMs = options.cooldownMs * 2 ** Math.min(redeliveries, MAX_DOUBLINGS);
    if (options.now.getTime() - lastAttemptAt < backoffMs) {
      waiting += 1;
      continue;
    }
    due.push({
      guid,
      deliveryId: latest.id,
      event: latest.event,
      action: latest.action ?? undefined,
      firstDeliveredAt: new Date(first.delivered_at),
      redeliveries,
      lastStatusCode: latest.status_code,
    });
  }
  due.sort((a, b) => a.firstDeliveredAt.getTime() - b.firstDeliveredAt.getTime());
  return { due, guids: byGuid.size, succeeded: succeededGuids, waiting };
}
