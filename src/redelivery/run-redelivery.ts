import type { Telemetry } from '../telemetry/telemetry.js';
import { asGitHubHttpError, describeGitHubError, rateLimitOf } from './classify-github-error.js';
import type { GitHubClient } from './create-github-client.js';
import { listRecentDeliveries } from './list-recent-deliveries.js';
import { describeHookTarget, type HookTarget } from '../config/parse-hook-target.js';
import { planRedeliveries } from './plan-redeliveries.js';
import { requestRedelivery } from './request-redelivery.js';

/**
 * Redelivery requests per run. GitHub's secondary limits allow about 80 content-creating requests
 * a minute and 500 an hour; 60 per run stays under both at the default 10-minute schedule, and
 * a larger backlog is worked off over the following runs, oldest first.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
 */
const MAX_REQUESTS_PER_RUN = 60;

export interface RedeliveryRunDeps {
  client: GitHubClient;
  hook: HookTarget;
  lookbackMs: number;
  cooldownMs: number;
  telemetry: Telemetry;
  now: () => Date;
  /** Guids this process asked GitHub to redeliver, kept across runs (GitHub lists a redelivery only once attempted). */
  requested: Map<string, Date>;
  log: { info(line: string): void; warn(line: string): void; error(line: string): void };
  maxRequests?: number;
}

export interface RedeliveryRunSummary {
  hook: string;
  pages: number;
  deliveries: number;
  guids: number;
  succeeded: number;
  waiting: number;
  due: number;
  requested: number;
  failed: number;
  /** Due guids left for the next run (the per-run cap, or a rate limit). */
  deferred: number;
  rateLimited: boolean;
  retryAt?: string;
}

/**
 * One catch-up run: list the hook's deliveries within the look-back, redeliver each guid that
 * never got a 2xx and is due, oldest first. A rate limit stops the run where it is (what is left
 * is due again next run); a redelivery GitHub refuses (e.g. 422, too old) is reported and the run
 * goes on; refused credentials (401) end the run with an error naming the settings.
 */
export async function runRedelivery(deps: RedeliveryRunDeps): Promise<RedeliveryRunSummary> {
  const start = deps.now();
  const hook = describeHookTarget(deps.hook);
  const summary: RedeliveryRunSummary = {
    hook,
    pages: 0,
    deliveries: 0,
    guids: 0,
    succeeded: 0,
    waiting: 0,
    due: 0,
    requested: 0,
    failed: 0,
    deferred: 0,
    rateLimited: false,
  };
  const stopForRateLimit = (error: unknown, call: string): boolean => {
    const limited = rateLimitOf(error, deps.now());
    if (limited === undefined) return false;
    summary.rateLimited = true;
    if (limited.retryAt !== undefined) summary.retryAt = limited.retryAt.toISOString();
    deps.log.warn(
      `webhook-redelivery: ${call} hit GitHub's rate limit; stopping this run${summary.retryAt ? `, GitHub allows more from ${summary.retryAt}` : ''}`,
    );
    return true;
  };

  let listing;
  try {
    listing = await listRecentDeliveries(deps.client, deps.hook, new Date(start.getTime() - deps.lookbackMs));
  } catch (error) {
    if (stopForRateLimit(error, `GET ${hook}/deliveries`)) return summary;
    throw new Error(describeGitHubError(error, `GET ${hook}/deliveries`), { cause: error });
  }
  summary.pages = listing.pages;
  summary.deliveries = listing.deliveries.length;

  const plan = planRedeliveries(listing.deliveries, { now: start, cooldownMs: deps.cooldownMs, requested: deps.requested });
  Object.assign(summary, { guids: plan.guids, succeeded: plan.succeeded, waiting: plan.waiting, due: plan.due.length });

  const maxRequests = deps.maxRequests ?? MAX_REQUESTS_PER_RUN;
  for (const [index, due] of plan.due.entries()) {
    if (index >= maxRequests) {
      summary.deferred = plan.due.length - index;
      break;
    }
    const call = `POST ${hook}/deliveries/${due.deliveryId}/attempts`;
    try {
      await requestRedelivery(deps.client, deps.hook, due.deliveryId);
    } catch (error) {
      if (stopForRateLimit(error, call)) {
        summary.deferred = plan.due.length - index;
        break;
      }
      if (asGitHubHttpError(error)?.status === 401) throw new Error(describeGitHubError(error, call), { cause: error });
      summary.failed += 1;
      const reason = describeGitHubError(error, call);
      deps.log.error(`webhook-redelivery: guid ${due.guid} (${due.event}): ${reason}`);
      deps.telemetry.trackException(error, {
        operation: 'webhook-redelivery',
        guid: due.guid,
        deliveryId: due.deliveryId,
        event: due.event,
      });
      continue;
    }
    const requestedAt = deps.now();
    deps.requested.set(due.guid, requestedAt);
    summary.requested += 1;
    deps.telemetry.trackEvent('WebhookRedeliveryRequested', {
      guid: due.guid,
      deliveryId: due.deliveryId,
      event: due.event,
      action: due.action,
      ageSeconds: Math.round((requestedAt.getTime() - due.firstDeliveredAt.getTime()) / 1000),
      redeliveries: due.redeliveries,
      lastStatusCode: due.lastStatusCode,
      hook,
    });
  }

  // Forget requests GitHub has long since listed: only the look-back can matter.
  for (const [guid, at] of deps.requested) {
    if (start.getTime() - at.getTime() > deps.lookbackMs) deps.requested.delete(guid);
  }
  return summary;
}
