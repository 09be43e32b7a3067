import { setMaxListeners } from 'node:events';
import { isServiceBusError, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { receiveBatch, ReceiverClosedWhileReceiving } from '../../local-host/receive-batch.js';
import type { BotDefinition } from '../../../src/bots/bot-config-schema.js';
import type { ServiceBusHostOptions } from '../../local-host/host-options.js';
import { appQueueFunctions, benchBot, prMessage, sendAll, startPump, until, type ProcessingStack } from './processing-stack.js';
import { ownCpuMs, processCpuMs } from './process-cpu.js';
import { median, percentile } from './statistics.js';

const LIMIT_MS = 30 * 60_000;

// ---- (b) the ordered pipeline vs bare @azure/service-bus on the same broker and Azurite ----------------

export interface PipelineShape {
  sessions: number;
  perSession: number;
}

const CONTESTANTS = ['bare', 'pipeline', 'bareBatched', 'batched'] as const;
type Contestant = (typeof CONTESTANTS)[number];

export type PipelineBots = Record<Contestant, BotDefinition[]>;

/**
 * Queues (b) needs, per shape and round: bare SDK one at a time, the pipeline (`cardinality: 'one'`),
 * bare SDK in batches, and the batched pipeline (a bot with `"cardinality": "many"`).
 */
export function pipelineBots(shapes: readonly PipelineShape[], rounds: number): PipelineBots {
  const bots: PipelineBots = { bare: [], pipeline: [], bareBatched: [], batched: [] };
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) {
      const suffix = `${shape.sessions}x${shape.perSession}-r${round}`;
      bots.bare.push(benchBot(`bare-${suffix}`));
      bots.pipeline.push(benchBot(`pipe-${suffix}`));
      bots.bareBatched.push(benchBot(`barebatch-${suffix}`));
      bots.batched.push(benchBot(`batch-${suffix}`, 'entity', 'many'));
    }
  }
  return bots;
}

export interface PipelineResult extends PipelineShape {
  bareMs: number;
  pipelineMs: number;
  bareBatchedMs: number;
  batchedMs: number;
  /** Median over rounds of pipeline time / bare time in the same round. */
  ratio: number;
  /** Median over rounds of batched pipeline time / bare (one at a time) time in the same round. */
  batchedVsBare: number;
  /** Median over rounds of batched pipeline time / bare batched time in the same round. */
  batchedVsBareBatched: number;
}

function shapeMessages(bot: BotDefinition, shape: PipelineShape) {
  // Sessions interleaved, as events of several pull requests arrive.
  return Array.from({ length: shape.perSession }, (_, i) =>
    Array.from({ length: shape.sessions }, (_, s) => prMessage(bot, `${bot.name}-${s}-${i}`, s + 1, `pr-octo/repo-${s + 1}`)),
  ).flat();
}

/**
 * Bare SDK: `maxConcurrentSessions` workers, each `acceptNextSession` → `receiveMessages(1)` →
 * `completeMessage` until the session is idle: the session pump's receive pattern without the app.
 * Pipeline: the local host's session pump running the app's queue function. Bare SDK batched: the
 * same workers receiving up to host.json `maxMessageBatchSize` at a time (as the batch pump receives:
 * the first message, then what else is there) and completing each. Batched pipeline: the local host
 * running the bot with `"cardinality": "many"` (one session at a time, as the host's batch loop).
 * Same messages, same broker and Azurite, rounds interleaved, the order rotated each round.
 */
export async function measurePipelineVsBareSdk(
  stack: ProcessingStack,
  shapes: readonly PipelineShape[],
  rounds: number,
  hostOptions: ServiceBusHostOptions,
  /**
   * Rounds before this one were run already, on their own queues (`pipelineBots(shapes, firstRound + rounds)`):
   * a queue is never reused, as an accept still pending from a finished run (the SDK does not abort it) would
   * take the next run's session and sit on it.
   */
  firstRound = 0,
): Promise<PipelineResult[]> {
  const bots = pipelineBots(shapes, firstRound + rounds);
  const times = new Map<string, Record<Contestant, number[]>>(
    shapes.map((s) => [key(s), { bare: [], pipeline: [], bareBatched: [], batched: [] }]),
  );
  let b = firstRound * shapes.length;
  for (let round = firstRound; round < firstRound + rounds; round++) {
    for (const shape of shapes) {
      const order = CONTESTANTS.map((_, i) => CONTESTANTS[(i + round) % CONTESTANTS.length]!);
      for (const which of order) {
        const bot = bots[which][b]!;
        await sendAll(stack, bot.queue, shapeMessages(bot, shape));
        const total = shape.sessions * shape.perSession;
        const ms =
          which === 'bare'
            ? await bareSessionReceive(stack, bot.queue, total, hostOptions)
            : which === 'bareBatched'
              ? await bareSessionReceive(stack, bot.queue, total, hostOptions, undefined, hostOptions.maxMessageBatchSize)
              : await pipelineRun(stack, bot, total, hostOptions);
        times.get(key(shape))![which].push(ms);
      }
      b++;
    }
  }
  return shapes.map((shape) => {
    const { bare, pipeline, bareBatched, batched } = times.get(key(shape))!;
    const perRound = (over: number[], under: number[]) => median(over.map((ms, i) => ms / under[i]!));
    return {
      ...shape,
      bareMs: median(bare),
      pipelineMs: median(pipeline),
      bareBatchedMs: median(bareBatched),
      batchedMs: median(batched),
      ratio: perRound(pipeline, bare),
      batchedVsBare: perRound(batched, bare),
      batchedVsBareBatched: perRound(batched, bareBatched),
    };
  });
}

const key = (shape: PipelineShape) => `${shape.sessions}x${shape.perSession}`;

async function pipelineRun(stack: ProcessingStack, bot: BotDefinition, total: number, hostOptions: ServiceBusHostOptions): Promise<number> {
  const [definition] = appQueueFunctions(stack, [bot]);
  const started = performance.now();
  const pump = startPump(stack, definition!, hostOptions);
  await until(() => pump.stats().completed >= total, LIMIT_MS, `${total} messages through ${bot.queue}`);
  const ms = performance.now() - started;
  await pump.stop(5_000);
  return ms;
}

export async function bareSessionReceive(
  stack: Pick<ProcessingStack, 'client'>,
  queue: string,
  total: number,
  hostOptions: ServiceBusHostOptions,
  /** Called the moment the last message is complete, before the workers are stopped (stop other clocks here). */
  onAllCompleted: () => void = () => undefined,
  /** Messages per receive: 1 (one at a time) or a batch, each of its messages completed. */
  batchSize = 1,
): Promise<number> {
  const stop = new AbortController();
  // Every worker's accept and receive listens to this one signal.
  setMaxListeners(0, stop.signal);
  let completed = 0;
  const open = new Set<ServiceBusSessionReceiver>();
  const worker = async () => {
    while (!stop.signal.aborted && completed < total) {
      let receiver: ServiceBusSessionReceiver;
      try {
        receiver = await stack.client.acceptNextSession(queue, {
          abortSignal: stop.signal,
          maxAutoLockRenewalDurationInMs: hostOptions.maxAutoLockRenewalDurationMs,
        });
      } catch (error) {
        if (
          stop.signal.aborted ||
          (isServiceBusError(error) && (error.code === 'ServiceTimeout' || error.code === 'SessionCannotBeLocked'))
        )
          continue;
        throw error;
      }
      open.add(receiver);
      try {
        for (;;) {
          if (batchSize > 1) {
            const messages = await receiveBatch(receiver, batchSize, hostOptions.sessionIdleTimeoutMs, stop.signal);
            if (messages.length === 0) break;
            await Promise.all(messages.map((message) => receiver.completeMessage(message)));
            completed += messages.length;
            continue;
          }
          const [message] = await receiver.receiveMessages(1, {
            maxWaitTimeInMs: hostOptions.sessionIdleTimeoutMs,
            abortSignal: stop.signal,
          });
          if (!message) break;
          await receiver.completeMessage(message);
          completed++;
        }
      } catch (error) {
        // The session is gone with its link; its messages come back to the next accept.
        if (error instanceof ReceiverClosedWhileReceiving) continue;
        if (!stop.signal.aborted) throw error;
      } finally {
        open.delete(receiver);
        await receiver.close().catch(() => undefined);
      }
    }
  };
  const started = performance.now();
  const workers = Array.from({ length: hostOptions.maxConcurrentSessions }, worker);
  await until(() => completed >= total, LIMIT_MS, `${total} bare receives from ${queue}`);
  const ms = performance.now() - started;
  onAllCompleted();
  // The workers still waiting in acceptNextSession do not end on the abort (the SDK does not pass the
  // signal to rhea-promise's attach), so stopping them takes the 2 s grace below: never time it.
  stop.abort();
  await Promise.race([Promise.allSettled(workers), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  await Promise.allSettled([...open].map((receiver) => receiver.close()));
  return ms;
}

// ---- (c) one-message sessions: N sessions × 1 message on each of 5 bots, through the local host's pumps ----

export interface OneMessageResult {
  sessionsPerBot: number;
  bots: number;
  seconds: number;
  perSecondPerBot: number;
  /** Sessions the pumps accepted: more than the messages means sessions let go before their message arrived. */
  sessionsAccepted: number;
  /**
   * % of one core over the run: this process (the app and the SDK, plus the broker with BENCH_BROKER=inline),
   * the broker's process (undefined when inline) and Azurite's.
   */
  cpuPercent: { bench: number; broker: number | undefined; azurite: number | undefined };
}

/** All bots' messages are queued first, then every bot's pump starts at once; the clock stops when all are done. */
export async function measureOneMessageSessions(
  stack: ProcessingStack,
  bots: readonly BotDefinition[],
  perBot: number,
  hostOptions: ServiceBusHostOptions,
): Promise<OneMessageResult> {
  for (const bot of bots) {
    const sessions = bot.strategy.type !== 'none';
    // What such a bot really gets: an event its strategy has no key for (or no strategy at all), the delivery id as session id.
    await sendAll(
      stack,
      bot.queue,
      Array.from({ length: perBot }, (_, i) =>
        prMessage(bot, `${bot.name}-one-${i}`, i + 1, sessions ? `${bot.name}-one-${i}` : undefined),
      ),
    );
  }
  const definitions = appQueueFunctions(stack, bots);
  const cpuBefore = { bench: ownCpuMs(), broker: processCpuMs(stack.broker.pid), azurite: processCpuMs(stack.azurite.pid) };
  const started = performance.now();
  const pumps = definitions.map((definition) => startPump(stack, definition, hostOptions));
  const total = perBot * bots.length;
  const progress =
    process.env['BENCH_PROGRESS'] === '1'
      ? setInterval(() => {
          const done = pumps.reduce((sum, pump) => sum + pump.stats().completed, 0);
          const accepted = pumps.reduce((sum, pump) => sum + (pump.stats().sessionsAccepted ?? 0), 0);
          console.error(
            `(c) ${((performance.now() - started) / 1000).toFixed(0)} s: ${done} of ${total} done, ${accepted} sessions accepted`,
          );
        }, 10_000)
      : undefined;
  await until(() => pumps.reduce((sum, pump) => sum + pump.stats().completed, 0) >= total, LIMIT_MS, `${total} one-message sessions`);
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  const percentOfWall = (ms: number) => Math.round(ms / (seconds * 10));
  const childPercent = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? undefined : percentOfWall(after - before);
  const cpuPercent = {
    bench: percentOfWall(ownCpuMs() - cpuBefore.bench),
    broker: childPercent(cpuBefore.broker, processCpuMs(stack.broker.pid)),
    azurite: childPercent(cpuBefore.azurite, processCpuMs(stack.azurite.pid)),
  };
  const sessionsAccepted = pumps.reduce((sum, pump) => sum + (pump.stats().sessionsAccepted ?? 0), 0);
  await Promise.all(pumps.map((pump) => pump.stop(5_000)));
  return { sessionsPerBot: perBot, bots: bots.length, seconds, perSecondPerBot: perBot / seconds, sessionsAccepted, cpuPercent };
}

// ---- (d) mixed: one hot pull request among many one-event sessions -----------------------------------

export interface MixedResult {
  hotEvents: number;
  others: number;
  hotPrSeconds: number;
  othersP50Seconds: number;
  othersP99Seconds: number;
  sessionsAccepted: number;
}

/**
 * One bot's queue holds a hot pull request's events spread evenly among one-event sessions (all
 * queued before the pump starts). The hot PR's completion time and each other event's wait are
 * measured from the pump's start to the moment its handler returned.
 */
export async function measureMixed(
  stack: ProcessingStack,
  bot: BotDefinition,
  hotEvents: number,
  others: number,
  hostOptions: ServiceBusHostOptions,
): Promise<MixedResult> {
  const messages = [];
  const total = hotEvents + others;
  let hot = 0;
  for (let i = 0; i < total; i++) {
    // Spread: the hot PR's k-th event sits at about k/hotEvents of the way through the queue.
    if (hot < hotEvents && i >= Math.floor((hot * total) / hotEvents)) {
      messages.push(prMessage(bot, `hot-${hot}`, 1, 'pr-octo/repo-hot'));
      hot++;
    } else {
      messages.push(prMessage(bot, `other-${i}`, i + 2, `other-${i}`));
    }
  }
  await sendAll(stack, bot.queue, messages);
  const doneAt = new Map<string, number>();
  const [definition] = appQueueFunctions(stack, [bot], (messageId) => doneAt.set(messageId, performance.now()));
  const started = performance.now();
  const pump = startPump(stack, definition!, hostOptions);
  await until(() => doneAt.size >= total, LIMIT_MS, `the mixed workload's ${total} messages`);
  const sessionsAccepted = pump.stats().sessionsAccepted ?? 0;
  await pump.stop(5_000);
  const hotDone = [...doneAt].filter(([id]) => id.startsWith('hot-')).map(([, at]) => at);
  const otherWaits = [...doneAt].filter(([id]) => id.startsWith('other-')).map(([, at]) => (at - started) / 1000);
  return {
    hotEvents,
    others,
    hotPrSeconds: (Math.max(...hotDone) - started) / 1000,
    othersP50Seconds: median(otherWaits),
    othersP99Seconds: percentile(otherWaits, 99),
    sessionsAccepted,
  };
}
