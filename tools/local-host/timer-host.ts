import { randomUUID } from 'node:crypto';
import functions, { type Timer } from '@azure/functions';
import type { TimerFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import { parseTimerSchedule, type TimerSchedule } from '../../src/config/parse-timer-schedule.js';
import type { Log } from './log.js';

// @azure/functions is CommonJS: its classes come through the default export under ESM.
const { InvocationContext } = functions;

export interface RunningTimers {
  /** When each timer fires next, for the banner. */
  nextRuns(): { name: string; schedule: string; next: Date }[];
  /** Cancels future runs and waits for runs in flight. */
  stop(): Promise<void>;
}

/**
 * Runs timer functions on their NCRONTAB schedules like the Functions host: one run at a
 * time per function (a run that overlaps its next occurrence skips it and `isPastDue` is set
 * on the late one), `runOnStartup` fires once when the host starts.
 */
export function startTimers(definitions: readonly TimerFunctionDefinition[], log: Log, now: () => Date = () => new Date()): RunningTimers {
  let stopped = false;
  const running = new Set<Promise<void>>();
  // Parse every schedule before arming any, so a bad one leaves nothing running.
  const schedules = definitions.map((definition): TimerSchedule => {
    try {
      return parseTimerSchedule(definition.schedule);
    } catch (error) {
      throw new Error(`Timer function ${definition.name}: schedule ${(error as Error).message}`, { cause: error });
    }
  });
  const timers = definitions.map((definition, i) => {
    const schedule = schedules[i]!;
    const state = { next: schedule.next(now()), handle: undefined as NodeJS.Timeout | undefined, busy: false };

    const fire = async (isPastDue: boolean) => {
      if (stopped || state.busy) return;
      state.busy = true;
      const timer: Timer = {
        isPastDue,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: now().toISOString(), next: state.next.toISOString(), lastUpdated: now().toISOString() },
      };
      const context = new InvocationContext({
        functionName: definition.name,
        invocationId: randomUUID(),
        logHandler: log.forFunction(definition.name),
      });
      try {
        await definition.handler(timer, context);
      } catch (error) {
        log.error(definition.name, 'timer run failed:', error);
      } finally {
        state.busy = false;
      }
    };

    const track = (run: Promise<void>) => {
      running.add(run);
      void run.finally(() => running.delete(run));
    };

    const arm = () => {
      if (stopped) return;
      // setTimeout caps at ~24.8 days; re-arm in steps for schedules further out.
      const wait = Math.min(state.next.getTime() - now().getTime(), 2 ** 31 - 1);
      state.handle = setTimeout(
        () => {
          if (now().getTime() < state.next.getTime()) return arm();
          const late = now().getTime() - state.next.getTime() > 1_000;
          state.next = schedule.next(now());
          track(fire(late));
          arm();
        },
        Math.max(0, wait),
      );
    };

    if (definition.runOnStartup) track(fire(false));
    arm();
    return { definition, state };
  });

  return {
    nextRuns: () => timers.map(({ definition, state }) => ({ name: definition.name, schedule: definition.schedule, next: state.next })),
    async stop() {
      stopped = true;
      for (const { state } of timers) clearTimeout(state.handle);
      await Promise.allSettled([...running]);
    },
  };
}
