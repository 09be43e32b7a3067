import type { Telemetry } from '../telemetry/telemetry.js';
import type { SessionRecord } from './session-record.js';

/**
 * The seed's SessionMetrics, served from the lifecycle table instead of process memory, so every
 * instance sees the same numbers (counts are per generation of the active sessions: a closed
 * session starts again from 1, which is what "hot right now" should mean):
 * - `record_message` is the lifecycle touch each message makes (SessionStore.touch);
 * - `get_hot_sessions` is `hotSessions`: the janitor's `SessionHot` events and `sessions.hot`
 *   metric, and `GET /api/sessions/{bot}?hot=true`;
 * - `get_session_distribution` is `GET /api/sessions/{bot}` (each session with its count) and,
 *   summarised by `summarizeDistribution`, the janitor's `sessions.active.*` metrics.
 */

/** The distribution of message counts over a bot's active sessions (nearest-rank percentiles). */
export interface DistributionSummary {
  sessions: number;
  messages: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Active sessions with more than `threshold` messages (strict `>`, as the seed), busiest first. */
export function hotSessions<T extends Pick<SessionRecord, 'messageCount'>>(records: readonly T[], threshold: number): T[] {
  return records.filter((record) => record.messageCount > threshold).sort((a, b) => b.messageCount - a.messageCount);
}

export function summarizeDistribution(records: readonly Pick<SessionRecord, 'messageCount'>[]): DistributionSummary {
  const counts = records.map((record) => record.messageCount).sort((a, b) => a - b);
  // Nearest-rank percentile: always a count some session really has.
  const percentile = (p: number) => (counts.length === 0 ? 0 : counts[Math.max(0, Math.ceil((p / 100) * counts.length) - 1)]!);
  return {
    sessions: counts.length,
    messages: counts.reduce((sum, count) => sum + count, 0),
    max: counts.at(-1) ?? 0,
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
  };
}

/** Hot sessions reported one by one, at most this many per bot and run, busiest first. */
export const MAX_HOT_SESSION_EVENTS = 20;

/** The janitor's export: the distribution as metrics per bot, hot sessions as events. */
export function exportSessionMetrics(
  telemetry: Telemetry,
  bot: string,
  active: readonly SessionRecord[],
  hotSessionThreshold: number,
): { hot: number } {
  const summary = summarizeDistribution(active);
  for (const name of Object.keys(summary) as (keyof DistributionSummary)[]) {
    telemetry.trackMetric(`sessions.active.${name}`, summary[name], { bot });
  }
  const hot = hotSessions(active, hotSessionThreshold);
  telemetry.trackMetric('sessions.hot', hot.length, { bot, threshold: hotSessionThreshold });
  for (const record of hot.slice(0, MAX_HOT_SESSION_EVENTS)) {
    telemetry.trackEvent('SessionHot', {
      bot,
      sessionId: record.sessionId,
      generation: record.generation,
      messageCount: record.messageCount,
      threshold: hotSessionThreshold,
    });
  }
  return { hot: hot.length };
}
