import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTouch } from '../../../src/lifecycle/plan-touch.js';
import type { StoredSessionRecord } from '../../../src/lifecycle/session-record.js';
import type { SessionLimits } from '../../../src/lifecycle/should-close-session.js';

const limits: SessionLimits = {
  maxSessionDuration: { iso: 'PT1H', ms: 3_600_000 },
  maxMessagesPerSession: 3,
  sessionTimeout: { iso: 'PT15M', ms: 900_000 },
};
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const active = (over: Partial<StoredSessionRecord> = {}): StoredSessionRecord => ({
  bot: 'merge-warden',
  sessionId: 's',
  generation: 4,
  state: 'active',
  openedAt: t0,
  lastActivityAt: t0,
  messageCount: 1,
  lastMessageId: 'm-1',
  etag: 'W/"1"',
  ...over,
});

test('the message that would be one over maxMessagesPerSession opens the next generation, the one at the limit does not', () => {
  const third = planTouch(active({ messageCount: 2 }), 'merge-warden', 's', 'm-3', at(1), limits);
  assert.deepEqual([third.kind, third.result.session.index, third.result.closed], ['count', 3, null]);

  const fourth = planTouch(active({ messageCount: 3 }), 'merge-warden', 's', 'm-4', at(2), limits);
  assert.equal(fourth.kind, 'reopen');
  assert.deepEqual(fourth.result, {
    session: { id: 's', generation: 5, index: 1, isNew: true },
    closed: { generation: 4, reason: 'maxMessagesPerSession', messageCount: 3, openedAt: t0, lastActivityAt: t0, closedAt: at(2) },
  });
  assert.equal(fourth.kind === 'reopen' && fourth.etag, 'W/"1"', 'guarded by the ETag of the record it closes');
});

test('duration and quiet are judged at the message time, in the seed order', () => {
  const late = planTouch(active({ lastActivityAt: at(3_500_000) }), 'merge-warden', 's', 'm-2', at(3_600_001), limits);
  assert.equal(late.result.closed?.reason, 'maxSessionDuration');
  const quiet = planTouch(active(), 'merge-warden', 's', 'm-2', at(900_001), limits);
  assert.equal(quiet.result.closed?.reason, 'sessionTimeout');
  const onTime = planTouch(active(), 'merge-warden', 's', 'm-2', at(900_000), limits);
  assert.equal(onTime.result.closed, null);
});

test('without limits, or for a redelivery, nothing is closed', () => {
  assert.equal(planTouch(active({ messageCount: 10_000 }), 'merge-warden', 's', 'm-x', at(10 * 3_600_000)).kind, 'count');
  const again = planTouch(active({ messageCount: 3, lastMessageId: 'm-3' }), 'merge-warden', 's', 'm-3', at(10 * 3_600_000), limits);
  assert.deepEqual([again.kind, again.result.session.index, again.result.closed], ['unchanged', 3, null]);
});
