import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { abortableWait, retryInPlace, type RetryInPlaceOptions } from '../../../src/processing/retry-in-place.js';

function options(overrides: Partial<RetryInPlaceOptions> = {}): RetryInPlaceOptions & { waits: number[] } {
  let clock = 0;
  const waits: number[] = [];
  return {
    deadline: 60_000,
    firstDelayMs: 1_000,
    signals: [],
    now: () => clock,
    wait: async (ms) => {
      waits.push(ms);
      clock += ms;
      return true;
    },
    random: () => 0,
    onRetry: () => undefined,
    waits,
    ...overrides,
  };
}

describe('retry in place', () => {
  it('backs off exponentially with jitter, capped at 30 s per wait, until the deadline', async () => {
    const o = options({ deadline: 120_000, random: () => 0.999 });
    await assert.rejects(
      retryInPlace(async () => {
        throw new TransientError('down');
      }, o),
      /down/,
    );
    assert.deepEqual(
      o.waits.slice(0, 6).map((ms) => Math.round(ms / 100) * 100),
      [1_000, 2_000, 4_000, 8_000, 16_000, 30_000],
    );
    assert.equal(
      o.waits.reduce((a, b) => a + b, 0),
      120_000,
    );
    // Half of each wait is random: with random() = 0 the waits are half as long.
    const low = options({ deadline: 10_000 });
    await assert.rejects(
      retryInPlace(async () => {
        throw new TransientError('down');
      }, low),
    );
    assert.deepEqual(low.waits.slice(0, 3), [500, 1_000, 2_000]);
  });

  it('never retries a permanent failure', async () => {
    const o = options();
    let calls = 0;
    await assert.rejects(
      retryInPlace(async () => {
        calls++;
        throw new PermanentError('TargetRejected', 'no');
      }, o),
      /no/,
    );
    assert.equal(calls, 1);
    assert.deepEqual(o.waits, []);
  });

  it('stops waiting at once when a signal aborts (functionTimeout, host shutdown) and gives the last failure back', async () => {
    const stop = new AbortController();
    let calls = 0;
    const started = Date.now();
    const running = retryInPlace(
      async () => {
        calls++;
        throw new TransientError(`down ${calls}`);
      },
      { ...options({ deadline: Date.now() + 600_000, firstDelayMs: 60_000 }), now: Date.now, wait: abortableWait, signals: [stop.signal] },
    );
    setTimeout(() => stop.abort(), 20);
    await assert.rejects(running, /down 1/);
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 30_000, 'did not sit out the 30 s wait');
  });

  it('abortableWait resolves false for an already aborted signal and true after the time', async () => {
    assert.equal(await abortableWait(10_000, [AbortSignal.abort()]), false);
    assert.equal(await abortableWait(1, [new AbortController().signal]), true);
  });
});
