import type { BotDefinition } from './bot-config-schema.js';
import { BotsConfigError, type BotsConfigProblem } from './bots-config-error.js';

/**
 * A retry in place runs inside one invocation, so it must end before the host's
 * `functionTimeout` (https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout):
 * past it the host fails the invocation and abandons the message anyway, and the session lock is
 * only renewed while an invocation runs. The last attempt may start just before the budget ends
 * and wait for its http target's `timeoutMs`, so that counts too. Throws naming each bot and field.
 */
export function checkRetryBudgets(bots: readonly BotDefinition[], functionTimeoutMs: number, source = 'bots.json'): void {
  const problems: BotsConfigProblem[] = [];
  bots.forEach((bot, index) => {
    const lastAttemptMs = bot.target.type === 'http' ? bot.target.timeoutMs : 0;
    const neededMs = bot.delivery.maxRetryDuration.ms + lastAttemptMs;
    if (neededMs <= functionTimeoutMs) return;
    problems.push({
      index,
      botName: bot.name,
      field: 'delivery.maxRetryDuration',
      message:
        `${bot.delivery.maxRetryDuration.iso}${lastAttemptMs > 0 ? ` plus the http target's timeoutMs (${lastAttemptMs} ms)` : ''} ` +
        `must fit in host.json functionTimeout (${functionTimeoutMs / 1000} s): lower it or raise functionTimeout`,
    });
  });
  if (problems.length > 0) throw new BotsConfigError(source, problems);
}
