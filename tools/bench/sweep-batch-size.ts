import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServiceBusHostOptions } from '../local-host/host-options.js';
import { startProcessingStack } from './compare/processing-stack.js';
import { measurePipelineVsBareSdk, pipelineBots } from './compare/processing-workloads.js';
import { median } from './compare/statistics.js';

/**
 * How host.json's maxMessageBatchSize (and, given as size/idle, sessionIdleTimeout) moves the batched
 * pipeline on bench (b)'s ordered workload: runs (b) once per setting, settings interleaved over rounds.
 * `npm run build && node dist/tools/bench/sweep-batch-size.js 10 32 100 1000 10/00:00:00.050 … [--rounds=3] [--shape=8x60]`
 * The broker runs in its own process, as in `npm run bench` (BENCH_BROKER=inline: on this thread).
 */
const args = process.argv.slice(2);
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const settings = args.filter((arg) => !arg.startsWith('--'));
if (settings.length === 0)
  throw new Error('give the maxMessageBatchSize values to compare, e.g. 10 32 100 1000 (or size/sessionIdleTimeout)');
const rounds = Number(option('rounds') ?? 3);
const [sessions, perSession] = (option('shape') ?? '8x60').split('x').map(Number) as [number, number];
const shape = { sessions, perSession };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const optionsFor = (setting: string) => {
  const [size, idle] = setting.split('/');
  return readServiceBusHostOptions(path.join(root, 'host.json'), {
    ...process.env,
    AzureFunctionsJobHost__extensions__serviceBus__maxMessageBatchSize: size,
    ...(idle === undefined ? {} : { AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: idle }),
  });
};
const hostOptions = settings.map(optionsFor);
// Every run on its own queues (see measurePipelineVsBareSdk's firstRound).
const stack = await startProcessingStack(Object.values(pipelineBots([shape], rounds * settings.length)).flat());
try {
  const results = settings.map(() => ({
    bare: [] as number[],
    bareBatched: [] as number[],
    batched: [] as number[],
    ratio: [] as number[],
  }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, options] of hostOptions.entries()) {
      const [result] = await measurePipelineVsBareSdk(stack, [shape], 1, options, round * settings.length + i);
      results[i]!.bare.push(result!.bareMs);
      results[i]!.bareBatched.push(result!.bareBatchedMs);
      results[i]!.batched.push(result!.batchedMs);
      results[i]!.ratio.push(result!.batchedVsBare);
    }
  }
  console.log(`batched pipeline, ${sessions} session(s) × ${perSession}, ${rounds} interleaved rounds, medians`);
  console.table(
    settings.map((setting, i) => ({
      maxMessageBatchSize: hostOptions[i]!.maxMessageBatchSize,
      sessionIdleTimeoutMs: hostOptions[i]!.sessionIdleTimeoutMs,
      'bare SDK ms': median(results[i]!.bare).toFixed(0),
      'bare SDK batched ms': median(results[i]!.bareBatched).toFixed(0),
      'batched pipeline ms': median(results[i]!.batched).toFixed(0),
      'batched/bare': median(results[i]!.ratio).toFixed(2),
      setting,
    })),
  );
} finally {
  await stack.close();
}
process.exit(0);
