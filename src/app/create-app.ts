import type { BotRegistry } from '../bots/bot-registry.js';
import { checkRetryBudgets } from '../bots/check-retry-budgets.js';
import { loadBots } from '../bots/load-bots.js';
import { readFunctionTimeoutMs } from '../config/read-function-timeout.js';
import { readSettings, type Settings } from '../config/settings.js';
import { createWebhookHandler, type WebhookDependencies } from '../ingress/create-webhook-handler.js';
import { defineWebhookFunction } from '../ingress/define-webhook-function.js';
import { createTableReplayGuard } from '../ingress/replay-guard.js';
import { createReplayPurgeChore } from '../ingress/replay-purge-chore.js';
import { createLifecycleFunctions } from '../lifecycle/lifecycle-functions.js';
import { createTableSessionStore } from '../lifecycle/table-session-store.js';
import { defineDeadLetterAdminFunctions, defineDeadLetterCountFunction } from '../processing/dead-letter-admin.js';
import { createDeadLetterQueue } from '../processing/dead-letter-queue.js';
import { createProcessingFunctions } from '../processing/processing-functions.js';
import { readRedeliveryConfig } from '../redelivery/read-redelivery-config.js';
import { defineRedeliveryFunction } from '../redelivery/redelivery-function.js';
import { closeJournalWriters } from '../targets/journal-writer.js';
import type { BotModuleRegistry } from '../targets/module-registry.js';
import { createTelemetry } from '../telemetry/create-telemetry.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { createClaimCheck } from '../transport/claim-check.js';
import { createServiceBusClient, webhookSenderOptions } from '../transport/service-bus-connection.js';
import { createServiceBusDispatcher } from '../transport/service-bus-dispatcher.js';
import { createSessionClosedSender } from '../lifecycle/session-closed-sender.js';
import { createStorageClients } from '../transport/storage-clients.js';
import type { FunctionDefinition } from '../functions-model/function-definitions.js';

export interface App {
  settings: Settings;
  registry: BotRegistry;
  /** Every function of the app: the webhook, one queue trigger per bot, the janitor, the admin endpoints, the redelivery timer when configured. */
  definitions: FunctionDefinition[];
  /** The parts the webhook handler runs on, for tests and benchmarks that wrap or observe them. */
  webhook: WebhookDependencies;
  /** Closes the connections the app holds, closes its journal files and flushes telemetry (the host's appTerminate hook, the local host and tests call it). */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** App settings; default: read from `env`. */
  settings?: Settings;
  /** Where http targets read their `urlSetting` / `secretSetting`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  registry?: BotRegistry;
  telemetry?: Telemetry;
  modules?: BotModuleRegistry;
  now?: () => Date;
  /** host.json `functionTimeout` in ms, which bounds each bot's `delivery.maxRetryDuration`; default: read from the packaged host.json. */
  functionTimeoutMs?: number;
}

/**
 * The one place that turns settings into the app: every client is created here, once, and
 * shared (one storage client set, one Service Bus client, one session store). Synchronous
 * and connection-free until first use, because the Functions host registers functions at
 * import time; a bad bots.json or setting throws here, naming what is wrong.
 */
export function createApp(options: CreateAppOptions = {}): App {
  const env = options.env ?? process.env;
  const settings = options.settings ?? readSettings(env);
  const registry = options.registry ?? loadBots(settings.BOTS_CONFIG_PATH === undefined ? {} : { path: settings.BOTS_CONFIG_PATH });
  checkRetryBudgets(registry.bots, options.functionTimeoutMs ?? readFunctionTimeoutMs(undefined, env), registry.source);
  const telemetry = options.telemetry ?? createTelemetry(settings);
  const now = options.now ?? (() => new Date());
  const storage = createStorageClients(settings);
  const claimCheck = createClaimCheck({ containerClient: storage.blobService.getContainerClient(settings.CLAIM_CHECK_CONTAINER) });
  const bots = registry.bots;
  const limits = new Map(bots.map((bot) => [bot.name, bot.session]));
  const sessions = createTableSessionStore({ tableClient: storage.table(settings.SESSIONS_TABLE), limitsOf: (bot) => limits.get(bot) });

  // Built before the webhook runtime: a bot whose target cannot start (missing secret setting,
  // unregistered module) must stop start-up before any connection is opened.
  const processing = createProcessingFunctions({
    bots,
    settings,
    env,
    table: storage.table,
    claimCheck,
    sessions,
    telemetry,
    now,
    ...(options.modules === undefined ? {} : { modules: options.modules }),
  });
  // Default window: the longest duplicate-detection window of the bots' queues (P3D unless bots.json says otherwise).
  const replayWindowMs = settings.WEBHOOK_REPLAY_WINDOW ?? Math.max(0, ...bots.map((bot) => bot.delivery.duplicateDetectionWindow.ms));
  const replayGuard =
    replayWindowMs > 0
      ? createTableReplayGuard({ tableClient: storage.table(settings.WEBHOOK_REPLAY_TABLE), windowMs: replayWindowMs, now })
      : undefined;
  // Session-closed notices go to the bots' own queues through the client made below, on first use.
  const closedNotices = createSessionClosedSender(() => client);
  const lifecycle = createLifecycleFunctions({
    bots,
    settings,
    store: sessions,
    telemetry,
    now,
    sendClosedNotice: (bot, notice) => closedNotices.send(bot, notice),
    ...(replayGuard === undefined ? {} : { chores: [createReplayPurgeChore((at) => replayGuard.purgeExpired(at))] }),
  });
  // Catch-up redelivery through GitHub's API: only when GitHub credentials are configured.
  const redeliveryConfig = readRedeliveryConfig(settings);
  const redelivery = redeliveryConfig === undefined ? [] : [defineRedeliveryFunction({ config: redeliveryConfig, telemetry, now })];
  // Last: the only part that holds a connection, so a bad setting above leaks nothing.
  const client = createServiceBusClient(settings, webhookSenderOptions(settings));
  const dispatcher = createServiceBusDispatcher({ client, telemetry });
  const webhook: WebhookDependencies = {
    settings,
    registry,
    dispatcher,
    claimCheck,
    telemetry,
    now,
    ...(replayGuard === undefined ? {} : { replayGuard }),
  };
  const deadLetterDeps = { bots, deadLetters: createDeadLetterQueue(client), telemetry };
  const deadLetters = [
    ...defineDeadLetterAdminFunctions(deadLetterDeps),
    defineDeadLetterCountFunction(deadLetterDeps, settings.JANITOR_SCHEDULE),
  ];

  return {
    settings,
    registry,
    definitions: [defineWebhookFunction(createWebhookHandler(webhook)), ...processing, ...lifecycle, ...deadLetters, ...redelivery],
    webhook,
    async close() {
      try {
        await dispatcher.close();
        await closedNotices.close();
        await client.close();
        await closeJournalWriters();
      } finally {
        await telemetry.flush?.();
      }
    },
  };
}
