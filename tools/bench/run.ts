import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServiceBusHostOptions } from '../local-host/host-options.js';
import { measureIngressCpu, type IngressResult } from './compare/ingress-cpu.js';
import { CONCURRENCY, measureIngressOverHttp } from './compare/ingress-over-http.js';
import { benchBot, startProcessingStack } from './compare/processing-stack.js';
import { measureMixed, measureOneMessageSessions, measurePipelineVsBareSdk, pipelineBots } from './compare/processing-workloads.js';

/**
 * `npm run bench`: the side-by-side comparison, in one run, interleaved, on this machine.
 * (a) ingress CPU per webhook without I/O: the floor, @octokit/webhooks and the app, 2 KB to 10 MB, each behind
 *     node:http (the JSON line's ingressCpuVs*) and as handlers alone (ingressHandlerCpuVs*);
 * (b) the app's ordered pipeline vs bare @azure/service-bus session receive + complete, same broker and Azurite,
 *     and the batched pipeline (a bot with "cardinality": "many") vs the same bare SDK and the bare SDK in batches;
 * (c) one-message sessions on 5 bots through the local host's pumps; (d) a hot pull request among one-event sessions.
 * Prints tables, then as its last line one JSON object with the headline figures.
 *
 * BENCH_ONLY=ingress: part (a) only (its table and a JSON line with the ingress ratios), for profiling ingress work;
 * BENCH_ONLY=pipeline: parts (b)-(d) only (their tables and a JSON line without the ingress ratios).
 * BENCH_BROKER=inline: the development broker on this thread (as `npm start` runs it) instead of its own process.
 * BENCH_QUICK=1: small sizes, well under a minute (what `npm test` checks). Sizes of the full run:
 * BENCH_ROUNDS (5), BENCH_ONE_MESSAGE_SESSIONS (1000 per bot), BENCH_MIXED_HOT (300), BENCH_MIXED_OTHERS (500).
 * host.json's extensions.serviceBus settings apply, with the host's environment overrides
 * (AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout=00:00:05, …).
 */
const quick = process.env['BENCH_QUICK'] === '1';
const whole = (name: string, full: number, small: number) => {
  const text = process.env[name];
  if (quick || text === undefined || text === '') return quick ? small : full;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got "${text}"`);
  return n;
};
const rounds = whole('BENCH_ROUNDS', 5, 3);
const oneMessagePerBot = whole('BENCH_ONE_MESSAGE_SESSIONS', 1000, 40);
const mixedHot = whole('BENCH_MIXED_HOT', 300, 30);
const mixedOthers = whole('BENCH_MIXED_OTHERS', 500, 50);
const shapes = quick
  ? [
      { sessions: 4, perSession: 10 },
      { sessions: 1, perSession: 10 },
    ]
  : [
      { sessions: 8, perSession: 60 },
      { sessions: 1, perSession: 60 },
    ];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const hostOptions = readServiceBusHostOptions(path.join(root, 'host.json'), process.env);
const f = (value: number, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `session-router bench${quick ? ' (BENCH_QUICK)' : ''}: node ${process.version}, ${availableParallelism()} × ${cpu}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start`,
);
console.log(
  `host.json: maxConcurrentSessions ${hostOptions.maxConcurrentSessions}, sessionIdleTimeout ${hostOptions.sessionIdleTimeoutMs} ms, ` +
    `maxConcurrentCalls ${hostOptions.maxConcurrentCalls}, maxMessageBatchSize ${hostOptions.maxMessageBatchSize}; ${rounds} interleaved rounds, medians`,
);

const only = process.env['BENCH_ONLY'] ?? '';
if (!['', 'ingress', 'pipeline'].includes(only)) throw new Error(`BENCH_ONLY must be "ingress", "pipeline" or unset, got "${only}"`);

// (a) first, while nothing else runs in this process: behind node:http (issue 12's floor), then the handler alone.
const overHttp = only === 'pipeline' ? [] : await measureIngressOverHttp({ quick, rounds });
if (only !== 'pipeline')
  printIngress(
    `(a) ingress CPU per webhook behind node:http, no I/O (server process CPU µs, client in a child process, ${CONCURRENCY} keep-alive connections; ` +
      `median of rounds; ratios per round, then median; "app without handler": node:http + the Functions HttpRequest + reading its body + 202)`,
    overHttp,
  );
const ingress = only === 'pipeline' ? [] : await measureIngressCpu({ quick, rounds });
if (only !== 'pipeline')
  printIngress(
    '(a) ingress CPU per webhook, handler only, no I/O (µs of process CPU, median of rounds; ratios per round, then median)',
    ingress,
  );
const bySize = (results: IngressResult[], pick: (r: IngressResult) => number) =>
  Object.fromEntries(results.map((r) => [r.size, round3(pick(r))]));
const ingressFigures =
  only === 'pipeline'
    ? {}
    : {
        ingressCpuVsFloor: bySize(overHttp, (r) => r.vsFloor),
        ingressCpuVsPeer: bySize(overHttp, (r) => r.vsPeer),
        ingressHandlerCpuVsFloor: bySize(ingress, (r) => r.vsFloor),
        ingressHandlerCpuVsPeer: bySize(ingress, (r) => r.vsPeer),
      };
if (only === 'ingress') {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end`,
  );
  console.log(JSON.stringify(ingressFigures));
  process.exit(0);
}

const oneMessageBots = [1, 2, 3, 4, 5].map((n) => benchBot(`one-${n}`));
const unorderedBots = [1, 2, 3, 4, 5].map((n) => benchBot(`none-${n}`, 'none'));
const mixedBot = benchBot('mixed');
const pipeline = pipelineBots(shapes, rounds);
const stack = await startProcessingStack([...Object.values(pipeline).flat(), ...oneMessageBots, ...unorderedBots, mixedBot]);
try {
  const vsSdk = await measurePipelineVsBareSdk(stack, shapes, rounds, hostOptions);
  console.log('\n(b) ordered pipeline (broker → handler → session touch on Azurite → journal) vs bare SDK session receive + complete');
  console.table(
    vsSdk.map((r) => ({
      workload: `${r.sessions} session(s) × ${r.perSession}`,
      'bare SDK ms': f(r.bareMs, 0),
      'pipeline ms': f(r.pipelineMs, 0),
      'pipeline ms/msg': f(r.pipelineMs / (r.sessions * r.perSession)),
      'pipeline/bare': f(r.ratio),
    })),
  );
  console.log(
    `\n(b) batched pipeline ("cardinality": "many", batches of up to ${hostOptions.maxMessageBatchSize}, one session at a time as the host's batch loop) ` +
      'vs bare SDK one at a time and bare SDK in batches of the same size',
  );
  console.table(
    vsSdk.map((r) => ({
      workload: `${r.sessions} session(s) × ${r.perSession}`,
      'bare SDK ms': f(r.bareMs, 0),
      'bare SDK batched ms': f(r.bareBatchedMs, 0),
      'batched pipeline ms': f(r.batchedMs, 0),
      'batched ms/msg': f(r.batchedMs / (r.sessions * r.perSession)),
      'batched/bare': f(r.batchedVsBare),
      'batched/bare batched': f(r.batchedVsBareBatched),
    })),
  );

  const oneMessage = await measureOneMessageSessions(stack, oneMessageBots, oneMessagePerBot, hostOptions);
  const unordered = await measureOneMessageSessions(stack, unorderedBots, oneMessagePerBot, hostOptions);
  console.log(
    `\n(c) one message per session, 5 bots at once, through the local host pumps (CPU: % of one core; broker ${stack.broker.pid === undefined ? 'on the bench thread' : 'in its own process'})`,
  );
  console.table([
    {
      bots: '5 ordered bots, key-less events (session = delivery id)',
      messages: `${oneMessage.sessionsPerBot} per bot`,
      seconds: f(oneMessage.seconds),
      'messages/s per bot': f(oneMessage.perSecondPerBot, 1),
      'sessions accepted': oneMessage.sessionsAccepted,
      'CPU % app / broker / Azurite': cpuText(oneMessage.cpuPercent),
    },
    {
      bots: '5 bots with strategy none (plain queues)',
      messages: `${unordered.sessionsPerBot} per bot`,
      seconds: f(unordered.seconds),
      'messages/s per bot': f(unordered.perSecondPerBot, 1),
      'CPU % app / broker / Azurite': cpuText(unordered.cpuPercent),
    },
  ]);

  const mixed = await measureMixed(stack, mixedBot, mixedHot, mixedOthers, hostOptions);
  console.log('\n(d) mixed: one hot pull request among one-event sessions, one bot (seconds from the pump start)');
  console.table([
    {
      'hot PR events': mixed.hotEvents,
      'one-event sessions': mixed.others,
      'hot PR done s': f(mixed.hotPrSeconds),
      'others p50 s': f(mixed.othersP50Seconds),
      'others p99 s': f(mixed.othersP99Seconds),
      'sessions accepted': mixed.sessionsAccepted,
    },
  ]);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end`,
  );

  console.log(
    JSON.stringify({
      ...ingressFigures,
      pipelineVsBareSdk: round3(vsSdk[0]!.ratio),
      pipelineVsBareSdkOneSession: round3(vsSdk[1]!.ratio),
      pipelineBatchedVsBareSdk: round3(vsSdk[0]!.batchedVsBare),
      pipelineBatchedVsBareSdkBatched: round3(vsSdk[0]!.batchedVsBareBatched),
      pipelineBatchedVsBareSdkOneSession: round3(vsSdk[1]!.batchedVsBare),
      oneMessageSessionsPerSecPerBot: round3(oneMessage.perSecondPerBot),
      unorderedPerSecPerBot: round3(unordered.perSecondPerBot),
      mixedHotPrSeconds: round3(mixed.hotPrSeconds),
      mixedOthersP99Seconds: round3(mixed.othersP99Seconds),
    }),
  );
} finally {
  await stack.close();
}
// rhea-promise keeps a 60 s attach timer for each acceptNextSession still waiting when a pump
// stopped (the SDK does not pass the abort signal down): everything is closed, do not wait for it.
process.exit(0);

function printIngress(title: string, results: (IngressResult & { adapterUs?: number })[]): void {
  console.log(`\n${title}`);
  console.table(
    results.map((r) => ({
      size: r.size,
      payload: `${r.description}, ${f(r.bytes / 1024, 0)} KiB`,
      'floor µs': f(r.cpuUs.floor, 0),
      'peer µs': f(r.cpuUs.peer, 0),
      'app µs': f(r.cpuUs.app, 0),
      ...(r.adapterUs === undefined ? {} : { 'app without handler µs': f(r.adapterUs, 0) }),
      'app/floor': f(r.vsFloor),
      'app/peer': f(r.vsPeer),
      'peer/floor': f(r.peerVsFloor),
    })),
  );
}

/** % of one core per process; the bench's JavaScript runs on one thread (with BENCH_BROKER=inline the broker's too). */
function cpuText({ bench, broker, azurite }: { bench: number; broker: number | undefined; azurite: number | undefined }): string {
  return `${bench} / ${broker ?? 'inline'} / ${azurite ?? '?'}`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
