import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './benchmark.js';
import { median, percentile } from './compare/statistics.js';

/**
 * `npm run bench:micro [-- <filter>]`: runs every micro-benchmark in dist/tools/bench/*.bench.js and prints
 * ops/s and latency percentiles. BENCH_SECONDS sets the measuring time per benchmark (default 1).
 * Numbers from a shared machine are indicative; compare runs on the same machine.
 */
const measureMs = Number(process.env['BENCH_SECONDS'] ?? 1) * 1000;
const warmupMs = Math.min(300, measureMs / 3);
const filter = process.argv[2];

interface Result {
  benchmark: string;
  'ops/s': string;
  'p50 µs': string;
  'p99 µs': string;
  'max µs': string;
  samples: number;
}

let sink: unknown;

async function time(benchmark: Benchmark, forMs: number): Promise<Float64Array> {
  let samples = new Float64Array(1 << 16);
  let count = 0;
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    // Batches of 64 keep the clock reads from dominating sub-microsecond work.
    for (let i = 0; i < 64; i += 1) {
      const start = process.hrtime.bigint();
      const value = benchmark.run();
      sink = value instanceof Promise ? await value : value;
      const elapsed = Number(process.hrtime.bigint() - start) / 1000;
      if (count === samples.length) {
        const grown = new Float64Array(samples.length * 2);
        grown.set(samples);
        samples = grown;
      }
      samples[count++] = elapsed;
    }
  }
  return samples.subarray(0, count);
}

const format = (value: number, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((file) => file.endsWith('.bench.js'))
    .sort();
  const results: Result[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { benchmarks?: Benchmark[] };
    for (const benchmark of module.benchmarks ?? []) {
      if (filter && !benchmark.name.includes(filter) && !file.includes(filter)) continue;
      await benchmark.setup?.();
      let samples: Float64Array;
      try {
        await time(benchmark, warmupMs);
        samples = await time(benchmark, Math.max(measureMs, benchmark.measureMs ?? 0));
      } finally {
        await benchmark.teardown?.();
      }
      const totalUs = samples.reduce((sum, us) => sum + us, 0);
      const values = Array.from(samples);
      results.push({
        benchmark: benchmark.name,
        'ops/s': format(samples.length / (totalUs / 1e6), 0),
        'p50 µs': format(median(values)),
        'p99 µs': format(percentile(values, 99)),
        'max µs': format(percentile(values, 100)),
        samples: samples.length,
      });
    }
  }
  if (results.length === 0) throw new Error(`no benchmark found in ${here}${filter ? ` matching "${filter}"` : ''}`);
  console.log(`node ${process.version}, ${measureMs / 1000} s per benchmark`);
  console.table(results);
  if (sink === Symbol.for('never')) console.log(sink);
}

await main();
