import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import type { BotDefinition } from '../../src/bots/bot-config-schema.js';
import { parseEnvelope } from '../../src/envelope/parse-envelope.js';
import { createTableSessionStore } from '../../src/lifecycle/table-session-store.js';
import { createBotQueueFunctions } from '../../src/processing/bot-queue-functions.js';
import { createTablePoisonStore } from '../../src/processing/poison-store.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { readServiceBusHostOptions } from '../local-host/host-options.js';
import { silentLog } from '../local-host/log.js';
import { startSessionPump } from '../local-host/session-pump.js';
import { startAzurite } from '../local-host/start-azurite.js';
import { processCpuMs } from './compare/process-cpu.js';
import { startBrokerProcess } from './compare/start-broker-process.js';
import { bareSessionReceive } from './compare/processing-workloads.js';
import { benchBot, prMessage, sendAll, until, type ProcessingStack } from './compare/processing-stack.js';

/**
 * Where the time of the ordered pipeline goes, per message: wall time split into the SDK's
 * accept / receive / settle calls and the handler's envelope, Table touch and the rest (journal),
 * plus CPU per process (this process: app + SDK; the broker and Azurite each in a child).
 *
 *   node dist/tools/bench/processing-split.js [sessions=8] [perSession=60] [rounds=3]
 *   node dist/tools/bench/processing-split.js 1000 1      # one-message sessions, one bot
 *
 * host.json's serviceBus settings apply (with the host's environment overrides).
 */
const [sessions = 8, perSession = 60, rounds = 3] = process.argv.slice(2, 5).map(Number);
/** `both` (default), or only `bare` / `pipeline` rounds (for a profile of one). */
const which = process.argv[5] ?? 'both';
if (!['both', 'bare', 'pipeline'].includes(which)) throw new Error(`the 4th argument must be both, bare or pipeline, got "${which}"`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const hostOptions = readServiceBusHostOptions(path.join(root, 'host.json'), process.env);

const directory = mkdtempSync(path.join(tmpdir(), 'session-router-split-'));
const bots = Array.from({ length: rounds }, (_, r) => [
  ...(which === 'pipeline' ? [] : [benchBot(`bare-${r}`)]),
  ...(which === 'bare' ? [] : [benchBot(`split-${r}`)]),
]).flat();

const azurite = await startAzurite();
// SPLIT_BROKER_PROFILE=dir: a CPU profile of the broker process too.
const brokerProfile = process.env['SPLIT_BROKER_PROFILE'];
const broker = await startBrokerProcess(bots, { nodeArgs: brokerProfile ? ['--cpu-prof', `--cpu-prof-dir=${brokerProfile}`] : [] });
const connectionString = broker.connectionString;
const client = new ServiceBusClient(connectionString);
const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
for (const name of ['sessions', 'poisonmessages']) await table(name).createTable();

type Part = 'accept' | 'receive' | 'settle' | 'close' | 'handler' | 'envelope' | 'touch';
const totals = new Map<Part, { ms: number; count: number }>();
const add = (part: Part, ms: number) => {
  const entry = totals.get(part) ?? { ms: 0, count: 0 };
  entry.ms += ms;
  entry.count++;
  totals.set(part, entry);
};
async function timed<T>(part: Part, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    add(part, performance.now() - started);
  }
}

/** The client as the pump sees it, with each SDK call it makes timed (the receiver's own behaviour unchanged). */
const timedClient = {
  async acceptNextSession(queue: string, options: Parameters<ServiceBusClient['acceptNextSession']>[1]) {
    const receiver = await timed('accept', () => client.acceptNextSession(queue, options));
    return new Proxy(receiver, {
      get(target, property, self) {
        const value: unknown = Reflect.get(target, property, self);
        if (typeof value !== 'function') return value;
        const call = (value as (...args: unknown[]) => unknown).bind(target);
        if (property === 'receiveMessages') return (...args: unknown[]) => timed('receive', () => call(...args) as Promise<unknown>);
        if (property === 'completeMessage' || property === 'abandonMessage')
          return (message: ServiceBusReceivedMessage) => timed('settle', () => call(message) as Promise<unknown>);
        if (property === 'close') return () => timed('close', () => call() as Promise<unknown>);
        return call;
      },
    });
  },
} as unknown as ServiceBusClient;

const store = createTableSessionStore({ tableClient: table('sessions') });
const sessionsTimed: typeof store = { ...store, touch: (...args) => timed('touch', () => store.touch(...args)) };

function definitionFor(bot: BotDefinition) {
  const [definition] = createBotQueueFunctions([bot], {
    settings: { JOURNAL_PATH: path.join(directory, 'journal.jsonl') },
    env: {},
    parseEnvelope: (body) => {
      const started = performance.now();
      try {
        return parseEnvelope(body);
      } finally {
        add('envelope', performance.now() - started);
      }
    },
    resolvePayload: async () => ({}),
    sessions: sessionsTimed,
    poison: createTablePoisonStore({ tableClient: table('poisonmessages') }),
    telemetry: noTelemetry,
    now: () => new Date(),
  });
  if (definition!.cardinality !== 'one') throw new Error(`${definition!.name}: the split times one message per invocation`);
  const { handler } = definition!;
  return {
    ...definition!,
    handler: (message: unknown, context: Parameters<typeof handler>[1]) => timed('handler', () => handler(message, context)),
  };
}

const rows: Record<string, string>[] = [];
try {
  for (const bot of bots) {
    const messages = Array.from({ length: perSession }, (_, i) =>
      Array.from({ length: sessions }, (_, s) => prMessage(bot, `${bot.name}-${s}-${i}`, s + 1, `pr-octo/repo-${bot.name}-${s + 1}`)),
    ).flat();
    await sendAll({ client } as ProcessingStack, bot.queue, messages);
    totals.clear();
    const cpuBefore = { self: process.cpuUsage(), broker: cpuMs(broker.pid), azurite: cpuMs(azurite.pid) };
    const started = performance.now();
    const total = sessions * perSession;
    const bare = bot.name.startsWith('bare-');
    // Wall and CPU stop when the last message is complete, before the workers or the pump are stopped:
    // stopping the bare workers still waiting in acceptNextSession takes its 2 s grace, which timing the
    // whole call counted (18 ms per message at 1 × 120 with 16 workers instead of ~1.6).
    let wallMs = 0;
    let cpu = { app: 0, broker: 0, azurite: 0 };
    const stopClocks = () => {
      wallMs = performance.now() - started;
      const self = process.cpuUsage(cpuBefore.self);
      cpu = {
        app: (self.user + self.system) / 1000,
        broker: cpuMs(broker.pid) - cpuBefore.broker,
        azurite: cpuMs(azurite.pid) - cpuBefore.azurite,
      };
    };
    if (bare) {
      await bareSessionReceive({ client }, bot.queue, total, hostOptions, stopClocks);
    } else {
      const pump = startSessionPump({ client: timedClient, definition: definitionFor(bot), hostOptions, log: silentLog });
      await until(() => pump.stats().completed >= total, 30 * 60_000, `${total} messages`);
      stopClocks();
      await pump.stop(5_000);
    }
    const per = (ms: number) => (ms / total).toFixed(3);
    const row: Record<string, string> = {
      workload: `${bare ? 'bare SDK' : 'pipeline'} ${sessions}×${perSession}`,
      'wall ms/msg': per(wallMs),
    };
    for (const part of ['accept', 'receive', 'settle', 'close', 'handler', 'envelope', 'touch'] as const) {
      const entry = totals.get(part);
      row[`${part} ms/msg`] = per(entry?.ms ?? 0);
    }
    row['cpu app+sdk ms/msg'] = per(cpu.app);
    row['cpu broker ms/msg'] = per(cpu.broker);
    row['cpu azurite ms/msg'] = per(cpu.azurite);
    rows.push(row);
  }
  console.log(
    `${sessions} session(s) × ${perSession}, host.json maxConcurrentSessions ${hostOptions.maxConcurrentSessions}, sessionIdleTimeout ${hostOptions.sessionIdleTimeoutMs} ms. ` +
      'Wall parts are summed over concurrent sessions (divide by the concurrency for their share of the wall).',
  );
  console.table(rows);
} finally {
  await client.close();
  await broker.close();
  await azurite.stop();
  rmSync(directory, { recursive: true, force: true });
}
process.exit(0);

/** CPU ms of a child process, 0 where /proc cannot tell. */
function cpuMs(pid: number | undefined): number {
  return processCpuMs(pid) ?? 0;
}
