/**
 * What a `tools/bench/*.bench.ts` file exports: `export const benchmarks: Benchmark[]`.
 * `npm run bench` builds, then times every benchmark of every such file.
 */
export interface Benchmark {
  name: string;
  /** One operation. Return a value so the work cannot be optimised away; a promise is awaited. */
  run: () => unknown;
  /** Starts what `run` needs (a broker, Azurite…) once, before the warm-up; only when the benchmark is selected. */
  setup?: () => Promise<void>;
  /** Stops what `setup` started, so the runner exits by itself. */
  teardown?: () => Promise<void>;
  /** Measuring time for a slow operation that needs more than BENCH_SECONDS for a meaningful p99. */
  measureMs?: number;
}
