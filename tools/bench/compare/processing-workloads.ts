import { setMaxListeners } from 'node:events';
import { isServiceBusError, type ServiceBusSessionReceiver } from '@azure/service-bus';
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

/** Queues (b) needs: a bare one and a pipeline bot per shape and round. */
export function pipelineBots(shapes: readonly PipelineShape[], rounds: number): { bare: BotDefinition[]; pipeline: BotDefinition[] } {
  const bare: BotDefinition[] = [];
  const pipeline: BotDefinition[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) {
      bare.push(benchBot(`bare-${shape.sessions}x${shape.perSession}-r${round}`));
      pipeline.push(benchBot(`pipe-${shape.sessions}x${shape.perSession}-r${round}`));
    }
  }
  return { bare, pipeline };
}

export interface PipelineResult extends PipelineShape {
  bareMs: number;
  pipelineMs: number;
  /** Median over rounds of pipeline time / bare time in the same round. */
  ratio: number;
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
 * Pipeline: the local host's session pump running the app's queue function. Same messages, same
 * broker and Azurite, rounds interleaved.
 */
export async function measurePipelineVsBareSdk(
  stack: ProcessingStack,
  shapes: readonly PipelineShape[],
  rounds: number,
  hostOptions: ServiceBusHostOptions,
): Promise<PipelineResult[]> {
  const bots = pipelineBots(shapes, rounds);
  const times = new Map<string, { bare: number[]; pipeline: number[] }>(shapes.map((s) => [key(s), { bare: [], pipeline: [] }]));
  let b = 0;
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) {
      const bare = bots.bare[b]!;
      const pipeline = bots.pipeline[b++]!;
      const order = round % 2 === 0 ? (['bare', 'pipeline'] as const) : (['pipeline', 'bare'] as const);
      for (const which of order) {
        const bot = which === 'bare' ? bare : pipeline;
        await sendAll(stack, bot.queue, shapeMessages(bot, shape));
        const total = shape.sessions * shape.perSession;
        const ms =
          which === 'bare'
            ? await bareSessionReceive(stack, bot.queue, total, hostOptions)
            : await pipelineRun(stack, bot, total, hostOptions);
        times.get(key(shape))![which].push(ms);
      }
    }
  }
  return shapes.map((shape) => {
    const { bare, pipeline } = times.get(key(shape))!;
    return { ...shape, bareMs: median(bare), pipelineMs: median(pipeline), ratio: median(pipeline.map((ms, i) => ms / bare[i]!)) };
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
          const [message] = await receiver.receiveMessages(1, {
            maxWaitTimeInMs: hostOptions.sessionIdleTimeoutMs,
            abortSignal: stop.signal,
          });
          if (!message) break;
          await receiver.completeMessage(message);
          completed++;
        }
      } catch (error) {
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
