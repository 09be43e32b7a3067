import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rememberRecords } from '../../../src/lifecycle/remember-records.js';
import type { StoredSessionRecord } from '../../../src/lifecycle/session-record.js';
import type { SessionLimits } from '../../../src/lifecycle/should-close-session.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const record = (bot: string, sessionId: string, lastActivityAt = t0): StoredSessionRecord => ({
  bot,
  sessionId,
  generation: 1,
  state: 'active',
  openedAt: t0,
  lastActivityAt,
  messageCount: 1,
  lastMessageId: 'm',
  etag: 'e',
});
const limits: SessionLimits = {
  maxSessionDuration: { iso: 'PT2H', ms: 7_200_000 },
  maxMessagesPerSession: 1000,
  sessionTimeout: { iso: 'PT30M', ms: 1_800_000 },
};

test('keeps at most maxPerBot records per bot, dropping the least recently used', () => {
  const records = rememberRecords(2);
  records.remember(record('a', 's1'));
  records.remember(record('a', 's2'));
  records.remember(record('b', 's1'));
  assert.ok(records.recall('a', 's1', t0, undefined), 'used: now the most recent');
  records.remember(record('a', 's3'));
  assert.equal(records.recall('a', 's2', t0, undefined), undefined, 'the least recently used went');
  assert.ok(records.recall('a', 's1', t0, undefined));
  assert.ok(records.recall('a', 's3', t0, undefined));
  assert.ok(records.recall('b', 's1', t0, undefined), 'another bot has its own room');
});

test("a record idle past its bot's sessionTimeout is dropped: the janitor may have closed it", () => {
  const records = rememberRecords(10);
  records.remember(record('a', 's1'));
  assert.ok(records.recall('a', 's1', new Date(t0.getTime() + 1_800_000), limits));
  assert.equal(records.recall('a', 's1', new Date(t0.getTime() + 1_800_001), limits), undefined);
  assert.equal(records.recall('a', 's1', t0, limits), undefined, 'and is gone');
  records.remember(record('a', 's2'));
  records.forget('a', 's2');
  assert.equal(records.recall('a', 's2', t0, limits), undefined);
  assert.throws(() => rememberRecords(-1), /maxPerBot/);
});
