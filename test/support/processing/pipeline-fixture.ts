import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusQueueFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import { queueOptionsFromBots } from '../../../tools/dev-broker/queue-options-from-bots.js';
import { startDevBroker, type RunningDevBroker } from '../../../tools/dev-broker/start-dev-broker.js';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createTableSessionStore, type SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { startSessionPump, type RunningSessionPump } from '../../../tools/local-host/session-pump.js';
import type { RunningAzurite } from '../../../tools/local-host/start-azurite.js';
import { createBotPipelines } from '../../../src/processing/bot-queue-functions.js';
import type { BotPipeline } from '../../../src/processing/bot-message-handler.js';
import { createTableHeldMessageStore, type HeldMessageStore } from '../../../src/processing/held-message-store.js';
import type { PoisonStore } from '../../../src/processing/poison-record.js';
import { createTablePoisonStore } from '../../../src/processing/poison-store.js';
import { noTelemetry, type Telemetry } from '../../../src/telemetry/telemetry.js';
import { toServiceBusMessage } from '../../../src/transport/to-service-bus-message.js';
import type { BotModuleRegistry } from '../../../src/targets/module-registry.js';

export interface PipelineFixture {
  bot: BotDefinition;
  client: ServiceBusClient;
  broker: RunningDevBroker;
  sessions: SessionStore;
  poison: PoisonStore;
  held: HeldMessageStore;
  pipeline: BotPipeline;
  pump: RunningSessionPump;
  /** The table clients of this run, by base name (sessions, poison, held). */
  tables: Record<'sessions' | 'poison' | 'held', TableClient>;
  send: (messages: { sessionId: string; envelope: InlineEventEnvelope }[]) => Promise<void>;
  /** Polls until the condition holds; fails after a generous bound instead of hanging. */
  until: (condition: () => boolean | Promise<boolean>, what: string) => Promise<void>;
}

/**
 * The real processing path of one bot: development broker → the local host's session pump
 * (the Functions host's semantics) → the bot's queue function → Table session store and poison
 * store on Azurite → the bot's target. Everything is closed afterwards, even on failure.
 */
export async function withPipeline(
  azurite: RunningAzurite,
  options: {
    bot: Record<string, unknown>;
    env?: Record<string, string>;
    modules?: BotModuleRegistry;
    maxConcurrentSessions?: number;
    /** host.json functionTimeout for the pump (default 60 s). */
    functionTimeoutMs?: number;
    telemetry?: Telemetry;
    /** Let the touch apply the bot's session limits (as the app does); default off. */
    limits?: boolean;
    /** Called with the table clients before anything runs (to count their requests). */
    onTables?: (tables: Record<'sessions' | 'poison' | 'held', TableClient>) => void;
  },
  run: (fixture: PipelineFixture) => Promise<void>,
): Promise<void> {
  const bot = botDefinitionSchema.parse(options.bot);
  // Table names: letters and digits, unique per run so tests sharing one Azurite stay apart.
  const suffix = `${bot.name.replace(/[^a-z0-9]/g, '')}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const table = (name: string) =>
    TableClient.fromConnectionString(azurite.connectionString, `${name}${suffix}`.slice(0, 63), { allowInsecureConnection: true });
  const sessionsTable = table('sessions');
  await sessionsTable.createTable();
  const limits = options.limits === true ? bot.session : undefined;
  const sessions = createTableSessionStore({ tableClient: sessionsTable, limitsOf: () => limits });
  const poisonTable = table('poison');
  const heldTable = table('held');
  const poison = createTablePoisonStore({ tableClient: poisonTable });
  const held = createTableHeldMessageStore({ tableClient: heldTable });
  options.onTables?.({ sessions: sessionsTable, poison: poisonTable, held: heldTable });

  const broker = await startDevBroker({ queues: queueOptionsFromBots([bot]) });
  const client = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 1, timeoutInMs: 2_000 } });
  const { definitions, pipelines } = createBotPipelines([bot], {
    settings: { JOURNAL_PATH: '.data/unused-journal.jsonl' },
    env: options.env ?? {},
    modules: options.modules,
    parseEnvelope,
    resolvePayload: async () => {
      throw new Error('no claim checks in this test');
    },
    sessions,
    poison,
    telemetry: options.telemetry ?? noTelemetry,
    now: () => new Date(),
    holds: { sessions, held },
  });
  const definition = definitions[0] as ServiceBusQueueFunctionDefinition;
  const pump: RunningSessionPump = startSessionPump({
    client,
    definition,
    hostOptions: {
      maxConcurrentSessions: options.maxConcurrentSessions ?? 2,
      sessionIdleTimeoutMs: 250,
      maxAutoLockRenewalDurationMs: 60_000,
      functionTimeoutMs: options.functionTimeoutMs ?? 60_000,
    },
    log: silentLog,
  });
  const sender = client.createSender(bot.queue);

  try {
    await run({
      bot,
      client,
      broker,
      sessions,
      poison,
      held,
      pipeline: pipelines.get(bot.name)!,
      pump,
      tables: { sessions: sessionsTable, poison: poisonTable, held: heldTable },
      async send(messages) {
        // One at a time: arrival order is the order under test.
        for (const { sessionId, envelope } of messages) {
          await sender.sendMessages(
            toServiceBusMessage({ bot: bot.name, queue: bot.queue, sessionId, messageId: envelope.eventId, envelope }),
          );
        }
      },
      async until(condition, what) {
        for (let attempt = 0; attempt < 600; attempt++) {
          if (await condition()) return;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error(`timed out waiting for ${what}`);
      },
    });
  } finally {
    await pump.stop(5_000);
    await sender.close();
    await client.close();
    await broker.close();
  }
}

/**
 * An http bot ("probot-app") that signs with `PROBOT_SECRET` and posts to `PROBOT_URL`, for
 * pipelines whose target is a local recording server; `extra` adds or overrides bots.json fields.
 */
export function signedHttpBot(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'probot-app',
    queue: 'bot-probot-app',
    events: ['*'],
    target: { type: 'http', urlSetting: 'PROBOT_URL', secretSetting: 'PROBOT_SECRET', timeoutMs: 5_000 },
    ...extra,
  };
}
