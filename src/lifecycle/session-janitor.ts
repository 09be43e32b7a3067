import type { InvocationContext, Timer } from '@azure/functions';
import type { TimerFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { cleanupExpiredSessions } from './cleanup-expired-sessions.js';
import { sendSessionClosedNotices, type SendSessionClosed } from './send-session-closed-notices.js';
import { exportSessionMetrics } from './session-metrics.js';
import type { SessionStore } from './table-session-store.js';

export interface JanitorDeps {
  bots: readonly BotDefinition[];
  store: Pick<SessionStore, 'list' | 'close' | 'purgeClosed'>;
  telemetry: Telemetry;
  now: () => Date;
  /** How long a closed record is kept (for the admin endpoints and late redeliveries) before it is deleted. */
  retentionMs: number;
  hotSessionThreshold: number;
  /** Tells bots of the closes (a control message on the bot's queue); absent = no notices. */
  notices?: { send: SendSessionClosed; store: Pick<SessionStore, 'listPendingNotices' | 'markNoticeSent'> };
  /** Housekeeping of other parts on the same schedule (the webhook's replay rows); each returns a line for the log. */
  chores?: readonly JanitorChore[];
}

export interface JanitorChore {
  name: string;
  run(now: Date): Promise<string>;
}

export type JanitorHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

/**
 * One janitor run, bot by bot with each bot's limits: read the active records once, close
 * those past a limit, export the metrics from the same read, purge closed records past the
 * retention; then the chores. One bot's or chore's failure is reported and does not stop the
 * others; the run then fails so the host records it.
 */
export function createJanitorHandler(deps: JanitorDeps): JanitorHandler {
  return async (timer, context) => {
    const now = deps.now();
    if (timer.isPastDue)
      context.warn('session-janitor: this run is late (the host was busy or down); limits are checked against the current time');
    const failures: unknown[] = [];
    for (const bot of deps.bots) {
      try {
        const active = await deps.store.list(bot.name, { state: 'active' });
        const { closed, raced } = await cleanupExpiredSessions({ store: deps.store, bot, telemetry: deps.telemetry, now, active });
        const { hot } = exportSessionMetrics(deps.telemetry, bot.name, active, deps.hotSessionThreshold);
        // This run's closes and any earlier one whose notice could not be sent.
        const notices =
          deps.notices === undefined
            ? { sent: 0, failures: [] }
            : await sendSessionClosedNotices({ ...deps.notices, telemetry: deps.telemetry, bot });
        const purged = await deps.store.purgeClosed(bot.name, new Date(now.getTime() - deps.retentionMs));
        context.log(
          `session-janitor: ${bot.name}: ${active.length} active, closed ${closed.length}, ` +
            `${raced.length} touched meanwhile, purged ${purged.length}, ${hot} hot, ${notices.sent} closed notice(s) sent`,
        );
        if (notices.failures.length > 0)
          throw new AggregateError(notices.failures, `${notices.failures.length} session-closed notice(s) not sent; retried next run`);
      } catch (error) {
        failures.push(error);
        deps.telemetry.trackException(error, { bot: bot.name, operation: 'session-janitor' });
        context.error(`session-janitor: ${bot.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const chore of deps.chores ?? []) {
      try {
        context.log(`session-janitor: ${chore.name}: ${await chore.run(now)}`);
      } catch (error) {
        failures.push(error);
        deps.telemetry.trackException(error, { operation: chore.name });
        context.error(`session-janitor: ${chore.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `session-janitor failed for ${failures.length} of ${deps.bots.length + (deps.chores?.length ?? 0)} bots and chores`,
      );
    }
  };
}

/** `schedule` is JANITOR_SCHEDULE, checked by readSettings as the Functions host reads it (parseTimerSchedule). */
export function defineJanitorFunction(handler: JanitorHandler, schedule: string): TimerFunctionDefinition {
  return { kind: 'timer', name: 'session-janitor', schedule, runOnStartup: false, handler };
}
