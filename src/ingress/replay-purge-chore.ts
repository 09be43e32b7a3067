import type { JanitorChore } from '../lifecycle/session-janitor.js';
import type { ReplayPurge } from './replay-guard.js';

/**
 * The replay table's purge as a janitor chore. Runs the purge at most once per `intervalMs` in
 * this process, though the janitor runs every minute: the purge scans the table (its filter is on
 * a property), so an hourly pass keeps the table about one window plus an hour of rows at a
 * small, steady cost.
 */
export function createReplayPurgeChore(purgeExpired: (at: Date) => Promise<ReplayPurge>, intervalMs = 3_600_000): JanitorChore {
  let lastRunAt: number | undefined;
  return {
    name: 'webhook-replay-purge',
    async run(now) {
      if (lastRunAt !== undefined && now.getTime() - lastRunAt < intervalMs) return 'not due';
      lastRunAt = now.getTime();
      const { deleted, more } = await purgeExpired(now);
      return `deleted ${deleted} replay row(s) past the window${more ? ' (more left for the next pass)' : ''}`;
    },
  };
}
