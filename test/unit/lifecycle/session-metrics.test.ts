import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exportSessionMetrics,
  hotSessions,
  MAX_HOT_SESSION_EVENTS,
  summarizeDistribution,
} from '../../../src/lifecycle/session-metrics.js';
import type { SessionRecord } from '../../../src/lifecycle/session-record.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

const at = new Date('2026-01-01T00:00:00Z');
const session = (sessionId: string, messageCount: number): SessionRecord => ({
  bot: 'merge-warden',
  sessionId,
  generation: 1,
  state: 'active',
  openedAt: at,
  lastActivityAt: at,
  messageCount,
  lastMessageId: 'm',
});

test('hot sessions are those strictly over the threshold, busiest first', () => {
  const records = [session('a', 100), session('b', 101), session('c', 250), session('d', 3)];
  assert.deepEqual(
    hotSessions(records, 100).map((r) => r.sessionId),
    ['c', 'b'],
  );
});

test('the distribution summary uses nearest-rank percentiles of real counts', () => {
  const records = Array.from({ length: 100 }, (_, i) => session(`s${i}`, i + 1));
  assert.deepEqual(summarizeDistribution(records), { sessions: 100, messages: 5050, max: 100, p50: 50, p90: 90, p99: 99 });
  assert.deepEqual(summarizeDistribution([]), { sessions: 0, messages: 0, max: 0, p50: 0, p90: 0, p99: 0 });
});

test('the export reports every hot session count but caps the per-session events', () => {
  const telemetry = recordingTelemetry();
  const records = Array.from({ length: 30 }, (_, i) => session(`hot-${i}`, 200 + i));
  const { hot } = exportSessionMetrics(telemetry, 'merge-warden', [...records, session('cold', 1)], 100);
  assert.equal(hot, 30);
  assert.equal(telemetry.metrics.find((m) => m.name === 'sessions.hot')?.value, 30);
  assert.equal(telemetry.metrics.find((m) => m.name === 'sessions.active.sessions')?.value, 31);
  const events = telemetry.events.filter((e) => e.name === 'SessionHot');
  assert.equal(events.length, MAX_HOT_SESSION_EVENTS);
  assert.equal(events[0]!.properties.sessionId, 'hot-29');
});
