import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import type { InvocationContext } from '@azure/functions';
import type { ServiceBusQueueFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import { queueOptionsFromBots } from '../../dev-broker/queue-options-from-bots.js';
import { startDevBroker } from '../../dev-broker/start-dev-broker.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';
import type { ServiceBusHostOptions } from '../../local-host/host-options.js';
import { silentLog } from '../../local-host/log.js';
import { startMessagePump } from '../../local-host/message-pump.js';
import { startSessionPump } from '../../local-host/session-pump.js';
import { startAzurite, type RunningAzurite } from '../../local-host/start-azurite.js';
import { createBotQueueFunctions } from '../../../src/processing/bot-queue-functions.js';
import { createTablePoisonStore } from '../../../src/processing/poison-store.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { toServiceBusMessage } from '../../../src/transport/to-service-bus-message.js';
import { pullRequestEnvelope } from '../../../test/support/processing/example-envelopes.js';
import { startBrokerProcess } from './start-broker-process.js';

/** One Azurite and one development broker for every processing measurement, so all compare on the same parts. */
export interface ProcessingStack {
  azurite: RunningAzurite;
  broker: StackBroker;
  client: ServiceBusClient;
  journalPath: string;
  close(): Promise<void>;
}

export interface StackBroker {
  connectionString: string;
  /** The broker's own process, for its CPU time; undefined when it runs on this thread (BENCH_BROKER=inline). */
  pid: number | undefined;
  close(): Promise<void>;
}

/** A bench bot: the app's own definition defaults, a journal target, entity strategy unless `none`, bots.json's `cardinality`. */
export function benchBot(name: string, strategy: 'entity' | 'none' = 'entity', cardinality: 'one' | 'many' = 'one'): BotDefinition {
  // onPoison "skip": the bench never poisons a message, and "hold" (the default for ordered bots)
  // would need the held-message store, which these pipelines do not measure.
  const fields = { name, queue: `bot-${name}`, events: ['*'], strategy: { type: strategy }, onPoison: 'skip' };
  return botDefinitionSchema.parse({ ...fields, cardinality });
}

/**
 * Azurite and the development broker each in a child process, as Service Bus and Storage are never on
 * the app's CPU on Azure; BENCH_BROKER=inline runs the broker on this thread instead (as `npm start`
 * does), to compare the two. The bare SDK and the pipeline always share the same broker.
 */
export async function startProcessingStack(bots: readonly BotDefinition[]): Promise<ProcessingStack> {
  const mode = process.env['BENCH_BROKER'] ?? '';
  if (!['', 'process', 'inline'].includes(mode)) throw new Error(`BENCH_BROKER must be "process", "inline" or unset, got "${mode}"`);
  const directory = mkdtempSync(path.join(tmpdir(), 'session-router-bench-'));
  const azurite = await startAzurite();
  // BENCH_BROKER_LOG=1: the broker's own log lines on stderr (failed handlers, dead-letters, expired locks).
  const log = process.env['BENCH_BROKER_LOG'] === '1' ? (line: string) => console.error(`[broker] ${line}`) : undefined;
  const broker: StackBroker =
    mode === 'inline'
      ? { ...(await startDevBroker({ queues: queueOptionsFromBots(bots), log })), pid: undefined }
      : await startBrokerProcess(bots, { log });
  const client = new ServiceBusClient(broker.connectionString);
  // Created once here, so no measurement pays for the first-use create.
  for (const name of ['sessions', 'poisonmessages']) await table(azurite, name).createTable();
  return {
    azurite,
    broker,
    client,
    journalPath: path.join(directory, 'journal.jsonl'),
    async close() {
      // Bounded: once in ten runs the sweep stayed in client.close() for minutes after its AMQP connection
      // had closed (no socket left open, the broker not yet told to stop); everything after it still runs.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        client.close().then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
      ]);
      clearTimeout(timer);
      if (!closed) console.error('bench: ServiceBusClient.close() did not finish within 10 s; stopping the broker and Azurite anyway');
      await broker.close();
      await azurite.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function table(azurite: RunningAzurite, name: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
}

/**
 * The app's queue function for each bot, as both hosts run it (envelope → claim check → session
 * touch on Azurite → journal), with `onDone(messageId)` called after each handler returns (for a
 * batch, once per message of it).
 */
export function appQueueFunctions(
  stack: ProcessingStack,
  bots: readonly BotDefinition[],
  onDone: (messageId: string) => void = () => undefined,
): ServiceBusQueueFunctionDefinition[] {
  return createBotQueueFunctions(bots, {
    settings: { JOURNAL_PATH: stack.journalPath },
    env: {},
    parseEnvelope,
    resolvePayload: async () => ({}),
    sessions: createTableSessionStore({ tableClient: table(stack.azurite, 'sessions') }),
    poison: createTablePoisonStore({ tableClient: table(stack.azurite, 'poisonmessages') }),
    telemetry: noTelemetry,
    now: () => new Date(),
  }).map((definition) => {
    if (definition.cardinality === 'many') {
      return {
        ...definition,
        handler: async (messages: unknown[], context: InvocationContext) => {
          await definition.handler(messages, context);
          for (const id of (context.triggerMetadata?.['messageIdArray'] as unknown[] | undefined) ?? []) onDone(String(id));
        },
      };
    }
    return {
      ...definition,
      handler: async (message: unknown, context: InvocationContext) => {
        await definition.handler(message, context);
        onDone(String(context.triggerMetadata?.['messageId']));
      },
    };
  });
}

export interface PumpLike {
  stats(): { completed: number; sessionsAccepted?: number };
  stop(graceMs?: number): Promise<void>;
}

/** The local host's pump for a definition: sessions or not, as the host decides. */
export function startPump(
  stack: ProcessingStack,
  definition: ServiceBusQueueFunctionDefinition,
  hostOptions: ServiceBusHostOptions,
): PumpLike {
  return definition.isSessionsEnabled
    ? startSessionPump({ client: stack.client, definition, hostOptions, log: silentLog })
    : startMessagePump({ client: stack.client, definition, hostOptions, log: silentLog });
}

/** A pull_request event for `sessionId` (undefined for a queue without sessions), as the webhook would send it. */
export function prMessage(bot: BotDefinition, deliveryId: string, number: number, sessionId: string | undefined): ServiceBusMessage {
  const envelope = pullRequestEnvelope({ deliveryId, number });
  return toServiceBusMessage({ bot: bot.name, queue: bot.queue, sessionId, messageId: envelope.eventId, envelope });
}

export async function sendAll(stack: ProcessingStack, queue: string, messages: readonly ServiceBusMessage[]): Promise<void> {
  const sender = stack.client.createSender(queue);
  try {
    let batch = await sender.createMessageBatch();
    for (const message of messages) {
      if (batch.tryAddMessage(message)) continue;
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) throw new Error(`bench: a message does not fit an empty batch (${queue})`);
    }
    if (batch.count > 0) await sender.sendMessages(batch);
  } finally {
    await sender.close();
  }
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
