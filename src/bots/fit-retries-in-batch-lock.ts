import type { BotDefinition } from './bot-config-schema.js';

/*
 * The Functions host's Service Bus batch loop (`cardinality: many`, ServiceBusListener.RunBatchReceiveLoopAsync in
 * Azure/azure-sdk-for-net sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus) accepts a session and never
 * renews its lock ("Lock renewal also doesn't apply to batch functions",
 * https://github.com/Azure/azure-sdk-for-net/issues/27979; https://github.com/Azure/azure-functions-dotnet-worker/issues/2953).
 * The lock lasts the queue's LockDuration from the accept ("If processing of the session requires longer than this
 * duration, the session-lock needs to be renewed",
 * https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.processsessionmessageeventargs.renewsessionlockasync).
 * A retry in place that outlives it only delays a batch that will come back anyway, so a batch's retries must end
 * within the lock.
 */

/**
 * What a batch's retries leave of the lock: time to settle the batch and write the delivered mark after the last
 * message, and part of what the handler cannot see (the receive before the invocation). 5 s, a quarter of a short lock.
 */
export function batchLockMarginMs(lockDurationMs: number): number {
  return Math.min(5_000, Math.floor(lockDurationMs / 4));
}

/** How a batch bot's retries in place fit its lock: the budget, and what it was cut by. */
interface BatchLockFit {
  /** The http target's `timeoutMs` (the last attempt may take it whole); 0 for other targets. */
  lastAttemptMs: number;
  marginMs: number;
  budgetMs: number;
  /** `maxRetryDuration` + the last attempt + the margin end within `lockDuration`: the budget is the bot's own. */
  fits: boolean;
}

function fitRetriesInBatchLock(bot: Pick<BotDefinition, 'delivery' | 'target'>): BatchLockFit {
  const lockMs = bot.delivery.lockDuration.ms;
  const lastAttemptMs = bot.target.type === 'http' ? bot.target.timeoutMs : 0;
  const marginMs = batchLockMarginMs(lockMs);
  const fits = bot.delivery.maxRetryDuration.ms + lastAttemptMs + marginMs <= lockMs;
  const budgetMs = fits ? bot.delivery.maxRetryDuration.ms : Math.max(0, lockMs - lastAttemptMs - marginMs);
  return { lastAttemptMs, marginMs, budgetMs, fits };
}

/**
 * The retry-in-place budget of one batch invocation: `maxRetryDuration`, cut so that the last retry (which may
 * wait for the http target's `timeoutMs`) ends a margin before `lockDuration` from the invocation's start. The
 * handler cannot know when the host accepted the session (an earlier batch of the same session may have used
 * part of the lock), so this bounds what retries add, not the lock itself; the delivered mark covers the rest.
 */
export function batchRetryBudgetMs(bot: Pick<BotDefinition, 'delivery' | 'target'>): number {
  return fitRetriesInBatchLock(bot).budgetMs;
}

/**
 * Start-up notes (not errors) for each `cardinality: "many"` bot whose `maxRetryDuration`, plus the http target's
 * `timeoutMs` and the margin, does not fit its `lockDuration` (the same test that cuts its budget): names the bot,
 * the fields and what happens.
 */
export function batchLockNotes(bots: readonly BotDefinition[]): string[] {
  return bots.flatMap((bot) => {
    if (bot.cardinality !== 'many') return [];
    const { lastAttemptMs, marginMs, budgetMs, fits } = fitRetriesInBatchLock(bot);
    if (fits) return [];
    return [
      `bot "${bot.name}" (cardinality "many"): delivery.maxRetryDuration ${bot.delivery.maxRetryDuration.iso}` +
        `${lastAttemptMs > 0 ? ` plus target.timeoutMs ${lastAttemptMs} ms` : ''} plus a ${marginMs / 1000} s margin does not fit delivery.lockDuration ${bot.delivery.lockDuration.iso}. ` +
        'A batch trigger never renews its session lock (https://github.com/Azure/azure-sdk-for-net/issues/27979), so a batch retries in place ' +
        `for at most ${budgetMs / 1000} s (lockDuration minus ${lastAttemptMs > 0 ? 'timeoutMs and ' : ''}the margin)` +
        `${budgetMs === 0 ? ', that is not at all' : ''}, then hands the batch back (delivery count + 1); a session kept busy past lockDuration loses its lock ` +
        'and its batch comes back, the messages the target took skipped. Raise lockDuration (at most PT5M) or keep batches short to retry longer.',
    ];
  });
}
