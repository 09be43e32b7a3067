/**
 * What a `bench/*.bench.ts` file exports: `export const benchmarks: Benchmark[]`.
 * `npm run bench` builds, then times every benchmark of every such file.
 */
export interface Benchmark {
  name: string;
  /** One operation. Return a value so the work cannot be optimised away; a promise is awaited. */
  run: () => unknown;
}
