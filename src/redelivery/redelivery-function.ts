import type { InvocationContext, Timer } from '@azure/functions';
import type { TimerFunctionDefinition } from '../functions-model/function-definitions.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { createGitHubClient, type GitHubClient } from './create-github-client.js';
import { unresolvedKeyVaultSetting, type RedeliveryConfig } from './read-redelivery-config.js';
import { runRedelivery, type RedeliveryRunSummary } from './run-redelivery.js';

export interface RedeliveryFunctionDeps {
  config: RedeliveryConfig;
  telemetry: Telemetry;
  now?: () => Date;
  /** For tests; default: an Octokit client from the config. */
  client?: GitHubClient;
}

export const REDELIVERY_FUNCTION_NAME = 'webhook-redelivery';

/**
 * The catch-up timer (REDELIVERY_SCHEDULE). The Functions host runs a timer function on one
 * instance at a time (a blob lease), so scaled-out instances do not list and redeliver twice:
 * https://learn.microsoft.com/en-us/azure/azure-functions/functions-bindings-timer#scale-out
 * Each run ends with a `WebhookRedeliveryRun` metric (the number requested) carrying the summary.
 */
export function defineRedeliveryFunction(deps: RedeliveryFunctionDeps): TimerFunctionDefinition {
  const { config, telemetry } = deps;
  const now = deps.now ?? (() => new Date());
  let client = deps.client;
  const requested = new Map<string, Date>();

  const handler = async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const unresolved = unresolvedKeyVaultSetting(config.credentials);
    if (unresolved !== undefined) {
      throw new Error(
        `webhook-redelivery: ${unresolved} is still a Key Vault reference: App Service could not resolve it (secret missing, or the app's identity lacks "Key Vault Secrets User"); nothing was redelivered`,
      );
    }
    client ??= createGitHubClient(config);
    const log = {
      info: (line: string) => context.info(line),
      warn: (line: string) => context.warn(line),
      error: (line: string) => context.error(line),
    };
    let summary: RedeliveryRunSummary;
    try {
      summary = await runRedelivery({
        client,
        hook: config.hook,
        lookbackMs: config.lookbackMs,
        cooldownMs: config.cooldownMs,
        telemetry,
        now,
        requested,
        log,
      });
    } catch (error) {
      telemetry.trackException(error, { operation: 'webhook-redelivery' });
      throw error;
    }
    const { requested: count, ...properties } = summary;
    telemetry.trackMetric('WebhookRedeliveryRun', count, { ...properties });
    context.info(`webhook-redelivery: requested ${count} ${JSON.stringify(properties)}`);
  };

  return { kind: 'timer', name: REDELIVERY_FUNCTION_NAME, schedule: config.schedule, runOnStartup: false, handler };
}
