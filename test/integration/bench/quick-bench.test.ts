import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

// Runs `npm run bench`'s program in its quick mode and checks only the shape of its last line:
// speed is the bench's business, never a test's.
test(
  'the bench (BENCH_QUICK=1) ends with one JSON object holding every headline figure as a finite number',
  { timeout: 300_000 },
  async (t) => {
    const child = spawn(process.execPath, ['--expose-gc', 'dist/tools/bench/run.js'], {
      cwd: root,
      env: { ...process.env, BENCH_QUICK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A stalled bench must not outlive the test (and hold the whole run) when the timeout ends it.
      signal: t.signal,
    });
    child.on('error', () => undefined);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `the bench failed:\n${stderr}\n${stdout}`);

    const lastLine = stdout.trimEnd().split('\n').at(-1)!;
    const figures = JSON.parse(lastLine) as Record<string, unknown>;
    assert.equal(typeof figures, 'object');
    const finite = (value: unknown, name: string) =>
      assert.ok(typeof value === 'number' && Number.isFinite(value), `${name} is a finite number: ${lastLine}`);
    for (const group of ['ingressCpuVsFloor', 'ingressCpuVsPeer', 'ingressHandlerCpuVsFloor', 'ingressHandlerCpuVsPeer']) {
      const bySize = figures[group] as Record<string, unknown>;
      assert.deepEqual(Object.keys(bySize).sort(), ['10m', '1m', '24k', '2k'], group);
      for (const [size, value] of Object.entries(bySize)) finite(value, `${group}.${size}`);
    }
    const single = [
      'pipelineVsBareSdk',
      'pipelineVsBareSdkOneSession',
      'pipelineBatchedVsBareSdk',
      'pipelineBatchedVsBareSdkBatched',
      'pipelineBatchedVsBareSdkOneSession',
      'oneMessageSessionsPerSecPerBot',
      'unorderedPerSecPerBot',
      'mixedHotPrSeconds',
      'mixedOthersP99Seconds',
    ];
    for (const name of single) finite(figures[name], name);
    // Every figure docs/benchmarks.md and README quote, and nothing else: a dropped or renamed one fails here.
    assert.deepEqual(
      Object.keys(figures).sort(),
      ['ingressCpuVsFloor', 'ingressCpuVsPeer', 'ingressHandlerCpuVsFloor', 'ingressHandlerCpuVsPeer', ...single].sort(),
    );
  },
);
