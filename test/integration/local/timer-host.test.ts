import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Timer } from '@azure/functions';
import type { TimerFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { startTimers } from '../../../tools/local-host/timer-host.js';
import { silentLog } from '../../../tools/local-host/log.js';

test('runs on startup, then on each scheduled second, with the function name; stop waits for the run in flight', async () => {
  const runs: { at: number; timer: Timer; name: string }[] = [];
  let secondRun!: () => void;
  const twice = new Promise<void>((resolve) => (secondRun = resolve));
  let finishedLast = false;
  const definition: TimerFunctionDefinition = {
    kind: 'timer',
    name: 'session-janitor',
    schedule: '* * * * * *',
    runOnStartup: true,
    handler: async (timer, context) => {
      runs.push({ at: Date.now(), timer, name: context.functionName });
      if (runs.length === 2) secondRun();
      finishedLast = false;
      await new Promise((resolve) => setTimeout(resolve, 50));
      finishedLast = true;
    },
  };
  const timers = startTimers([definition], silentLog);
  assert.equal(runs.length, 1, 'runOnStartup fires at once');
  assert.ok(timers.nextRuns()[0]!.next.getTime() > Date.now() - 1000);
  await twice;
  await timers.stop();
  assert.equal(finishedLast, true, 'stop() waited for the run in flight');
  const count = runs.length;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal(runs.length, count, 'no run after stop()');
  assert.ok(runs.every((r) => r.name === 'session-janitor'));
  assert.equal(typeof runs[1]!.timer.isPastDue, 'boolean');
});

test('a bad schedule stops start-up with the function name in the message', () => {
  const definition: TimerFunctionDefinition = {
    kind: 'timer',
    name: 'session-janitor',
    schedule: '*/5 * * * *',
    runOnStartup: false,
    handler: async () => undefined,
  };
  assert.throws(() => startTimers([definition], silentLog), /Timer function session-janitor: .*six fields/);
});
