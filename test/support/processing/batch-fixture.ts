import { TableClient } from '@azure/data-tables';
import functions, { type InvocationContext } from '@azure/functions';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import type { InlineEventEnvelope, JsonObject } from '../../../src/envelope/event-envelope.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import type { SessionClosedNotice } from '../../../src/lifecycle/session-closed-notice.js';
import { createTableSessionStore, type SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { createBotPipeline, type BotPipeline } from '../../../src/processing/bot-message-handler.js';
import { createTableHeldMessageStore, type HeldMessageStore } from '../../../src/processing/held-message-store.js';
import { createTablePoisonStore } from '../../../src/processing/poison-store.js';
import type { PoisonStore } from '../../../src/processing/poison-record.js';
import type { TargetInput } from '../../../src/targets/bot-target.js';
import type { RetryInPlaceOptions } from '../../../src/processing/retry-in-place.js';
import { attachInvocationSignal } from '../../../src/processing/invocation-signal.js';
import { countRequests, type TableRequest } from '../sessions-table.js';
import type { RunningAzurite } from '../shared-azurite.js';
import { recordingTelemetry, type RecordedTelemetry } from './fakes.js';

/** What the bot's target was told, in order: a message (its delivery id and place) or a session-closed notice. */
export type Told =
  | { kind: 'message'; id: string; generation: number | undefined; index: number | undefined }
  | { kind: 'closed'; generation: number; reason: string; messageCount: number };

export interface BatchFixture {
  bot: BotDefinition;
  pipeline: BotPipeline;
  sessions: SessionStore;
  poison: PoisonStore;
  held: HeldMessageStore;
  telemetry: RecordedTelemetry;
  /** The target's log. */
  told: Told[];
  /** Requests of the sessions table since the fixture was made. */
  sessionRequests: TableRequest[];
  /** Requests of the poison and held tables. */
  otherRequests: TableRequest[];
  /** Decides what the target does with a message (throw to fail it); default: takes it. */
  onDeliver: (input: TargetInput) => Promise<void> | void;
  waits: number[];
  /** Another instance's pipeline over the same tables and target (remembers no record: reads it). */
  elsewhere: () => BotPipeline;
  /** This bot's pipeline over another session store (a wrapper of `sessions`, say, that fails a call). */
  over: (sessions: SessionStore) => BotPipeline;
  /** Another instance's session store over the same table. */
  otherSessions: () => SessionStore;
  /** The fake clock the pipeline reads; a wait between retries moves it on. */
  clock: { ms: number };
  /** Claim-checked payloads read, by blob name, in order. */
  resolved: string[];
}

/**
 * One bot's pipeline over the real Table stores on Azurite (sessions, poison, held: tables of
 * their own), with a recording target, for handing batches to `handleBatch` as the Functions
 * host does. `limits`: let the touch apply the bot's session limits (as the app does).
 */
export async function batchFixture(
  azurite: RunningAzurite,
  botJson: Record<string, unknown>,
  options: {
    limits?: boolean;
    /** Claim-checked payloads by blob name (resolving another is an error), and the batch's payload budget. */
    claimChecks?: { payloads: Map<string, JsonObject>; budgetBytes: number };
  } = {},
): Promise<BatchFixture> {
  const bot = botDefinitionSchema.parse({
    name: 'merge-warden',
    queue: 'bot-merge-warden',
    events: ['*'],
    cardinality: 'many',
    ...botJson,
  });
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const table = async (name: string) => {
    const client = TableClient.fromConnectionString(azurite.connectionString, `${name}${suffix}`, { allowInsecureConnection: true });
    await client.createTable();
    return client;
  };
  const [sessionsTable, poisonTable, heldTable] = await Promise.all([table('batchsessions'), table('batchpoison'), table('batchheld')]);
  const sessionRequests = countRequests(sessionsTable).log;
  const otherRequests = countRequests(poisonTable).log;
  const heldLog = countRequests(heldTable).log;
  const sessions = createTableSessionStore({
    tableClient: sessionsTable,
    limitsOf: () => (options.limits === true ? bot.session : undefined),
  });
  const poison = createTablePoisonStore({ tableClient: poisonTable });
  const held = createTableHeldMessageStore({ tableClient: heldTable });
  const telemetry = recordingTelemetry();
  const told: Told[] = [];
  const waits: number[] = [];
  const clock = { ms: Date.parse('2026-11-29T10:00:00Z') };
  const fixture: BatchFixture = {
    bot,
    pipeline: undefined as unknown as BotPipeline,
    sessions,
    poison,
    held,
    telemetry,
    told,
    sessionRequests,
    get otherRequests() {
      return [...otherRequests, ...heldLog];
    },
    onDeliver: () => undefined,
    elsewhere: () => fixture.pipeline,
    over: () => fixture.pipeline,
    otherSessions: () => createTableSessionStore({ tableClient: sessionsTable }),
    waits,
    clock,
    resolved: [],
  };
  const wait: RetryInPlaceOptions['wait'] = async (ms, signals) => {
    if (signals.some((signal) => signal.aborted)) return false;
    waits.push(ms);
    clock.ms += ms;
    return !signals.some((signal) => signal.aborted);
  };
  const pipelineOver = (sessions: SessionStore) =>
    createBotPipeline({
      bot,
      parseEnvelope,
      resolvePayload: async (ref) => {
        const payload = options.claimChecks?.payloads.get(ref.blobName);
        if (payload === undefined) throw new Error(`no claim-checked payload ${ref.blobName} in this test`);
        fixture.resolved.push(ref.blobName);
        return payload;
      },
      ...(options.claimChecks === undefined ? {} : { preparedPayloadBudgetBytes: options.claimChecks.budgetBytes }),
      sessions,
      target: {
        async deliver(input) {
          await fixture.onDeliver(input);
          told.push({ kind: 'message', id: input.envelope.eventId, generation: input.session?.generation, index: input.session?.index });
        },
        async sessionClosed(notice: SessionClosedNotice) {
          told.push({ kind: 'closed', generation: notice.generation, reason: notice.reason, messageCount: notice.messageCount });
        },
      },
      poison,
      telemetry,
      now: () => new Date(clock.ms),
      wait,
      random: () => 0.5,
      holds: { sessions, held },
    });
  fixture.pipeline = pipelineOver(sessions);
  fixture.over = pipelineOver;
  fixture.elsewhere = () =>
    pipelineOver(
      createTableSessionStore({ tableClient: sessionsTable, limitsOf: () => (options.limits === true ? bot.session : undefined) }),
    );
  return fixture;
}

/** One message of a batch as the host hands it over: the body (parsed JSON) and its metadata entries. */
export interface BatchEntry {
  body: unknown;
  messageId: string;
  sequenceNumber: number;
  deliveryCount?: number;
  sessionId?: string | null;
  eventType?: string;
}

/** A session's messages for the envelopes, with sequence numbers from `firstSequence` on (gaps, as other sessions share the queue). */
export function entriesOf(
  envelopes: readonly InlineEventEnvelope[],
  sessionId: string | null,
  firstSequence: number,
  deliveryCount = 1,
): BatchEntry[] {
  return envelopes.map((envelope, i) => ({
    body: JSON.parse(JSON.stringify(envelope)) as unknown,
    messageId: envelope.eventId,
    sequenceNumber: firstSequence + i * 3,
    deliveryCount,
    sessionId,
    eventType: envelope.eventType,
  }));
}

/**
 * The invocation the Functions host makes for a batch (`cardinality: many`): the bodies, and the
 * trigger metadata as arrays in batch order (ServiceBusTriggerBindingStrategy, names lower-cased
 * by the Node worker). `leave` drops arrays, to see what a handler does without them.
 */
export function batchInvocation(
  entries: readonly BatchEntry[],
  options: { leave?: string[]; extra?: Record<string, unknown>; signal?: AbortSignal; log?: (level: string, text: string) => void } = {},
): { messages: unknown[]; context: InvocationContext } {
  const metadata: Record<string, unknown> = {
    messageIdArray: entries.map((e) => e.messageId),
    sequenceNumberArray: entries.map((e) => e.sequenceNumber),
    deliveryCountArray: entries.map((e) => e.deliveryCount ?? 1),
    sessionIdArray: entries.map((e) => e.sessionId ?? null),
    enqueuedTimeUtcArray: entries.map(() => '2026-11-29T09:59:59.123'),
    applicationPropertiesArray: entries.map((e) => (e.eventType ? { eventType: e.eventType } : {})),
    userPropertiesArray: entries.map((e) => (e.eventType ? { eventType: e.eventType } : {})),
  };
  for (const name of options.leave ?? []) delete metadata[name];
  if (options.extra !== undefined) Object.assign(metadata, options.extra);
  const context = new functions.InvocationContext({
    functionName: 'bot-merge-warden',
    invocationId: `batch-${entries[0]?.messageId ?? 'empty'}`,
    triggerMetadata: metadata,
    logHandler: (level, ...args) => options.log?.(level, args.map(String).join(' ')),
  });
  if (options.signal !== undefined) attachInvocationSignal(context, options.signal);
  return { messages: entries.map((e) => e.body), context };
}
