import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldCloseSession, type SessionLimits } from '../../../src/lifecycle/should-close-session.js';

const limits: SessionLimits = {
  maxSessionDuration: { iso: 'PT1H', ms: 3_600_000 },
  maxMessagesPerSession: 500,
  sessionTimeout: { iso: 'PT15M', ms: 900_000 },
};
const opened = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(opened.getTime() + ms);
const record = (over: Partial<{ lastActivityAt: Date; messageCount: number; state: 'active' | 'closed' }> = {}) => ({
  state: 'active' as const,
  openedAt: opened,
  lastActivityAt: opened,
  messageCount: 1,
  ...over,
});

test('each limit closes only once strictly passed, as in the seed', () => {
  const busy = record({ lastActivityAt: at(3_600_000) });
  assert.equal(shouldCloseSession(busy, limits, at(3_600_000)), null, 'exactly maxSessionDuration stays open');
  assert.equal(shouldCloseSession(busy, limits, at(3_600_001)), 'maxSessionDuration');

  assert.equal(shouldCloseSession(record({ messageCount: 500 }), limits, opened), null, 'exactly maxMessagesPerSession stays open');
  assert.equal(shouldCloseSession(record({ messageCount: 501 }), limits, opened), 'maxMessagesPerSession');

  const idle = record({ lastActivityAt: at(60_000) });
  assert.equal(shouldCloseSession(idle, limits, at(60_000 + 900_000)), null, 'exactly sessionTimeout idle stays open');
  assert.equal(shouldCloseSession(idle, limits, at(60_000 + 900_001)), 'sessionTimeout');
});

test('the seed order decides when several limits are passed at once', () => {
  const everything = record({ messageCount: 10_000 });
  assert.equal(shouldCloseSession(everything, limits, at(10 * 3_600_000)), 'maxSessionDuration');
  assert.equal(shouldCloseSession(everything, limits, at(1_000_000)), 'maxMessagesPerSession');
});

test('a closed record is never closed again', () => {
  assert.equal(shouldCloseSession(record({ state: 'closed', messageCount: 10_000 }), limits, at(10 * 3_600_000)), null);
});
