import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createJanitorHandler, defineJanitorFunction } from '../../../src/lifecycle/session-janitor.js';
import { createTableSessionStore, type SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { freshSessionsTable } from '../../support/sessions-table.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';
import { quietContext, timerTick } from '../../support/functions-context.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const MINUTE = 60_000;
const t0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MINUTE);

const bot = (name: string, session: Record<string, unknown>): BotDefinition =>
  botDefinitionSchema.parse({ name, queue: `bot-${name}`, events: ['*'], session });

// Tight limits for one bot, the same idle session tolerated by the other.
const mergeWarden = bot('merge-warden', { maxSessionDuration: 'PT1H', maxMessagesPerSession: 5, sessionTimeout: 'PT15M' });
const specSentinel = bot('spec-sentinel', { maxSessionDuration: 'PT4H', maxMessagesPerSession: 2000, sessionTimeout: 'PT1H' });
const RETENTION = 24 * 60 * MINUTE;

async function setUp() {
  const { tableClient, requests } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const telemetry = recordingTelemetry();
  let clock = t0;
  const janitor = createJanitorHandler({
    bots: [mergeWarden, specSentinel],
    store,
    telemetry,
    now: () => clock,
    retentionMs: RETENTION,
    hotSessionThreshold: 4,
  });
  const runAt = async (when: Date) => {
    clock = when;
    const { context, logs } = quietContext('session-janitor');
    await janitor(timerTick(when), context);
    return logs;
  };
  const touchAt = (botName: string, id: string, minutes: number[]) =>
    minutes.reduce(
      (previous, minute, i) => previous.then(() => store.touch(botName, id, `${id}#${i}`, at(minute))),
      Promise.resolve(undefined as unknown),
    );
  return { store, telemetry, runAt, touchAt, requests };
}

test('the janitor closes by each limit of its bot, with reason and telemetry, and the next message opens generation 2', async () => {
  const { store, telemetry, runAt, touchAt } = await setUp();
  // Touches and runs in clock order: a run only sees what happened before it.
  await touchAt('merge-warden', 'pr-o/r-1', [0, 14, 28, 42]);
  await touchAt('merge-warden', 'pr-o/r-3', [40]);
  await touchAt('spec-sentinel', 'repo-o/r', [40]);
  await runAt(at(45));
  assert.deepEqual(
    telemetry.events.filter((e) => e.name === 'SessionClosed'),
    [],
    'nothing is due at minute 45',
  );

  await store.touch('merge-warden', 'pr-o/r-1', 'pr-o/r-1#4', at(56)); // 5 messages, never idle 15 min, open 61 min by the run
  await touchAt('merge-warden', 'pr-o/r-2', [50, 51, 52, 53, 54, 55]); // 6 messages > 5
  await touchAt('merge-warden', 'pr-o/r-4', [55]); // within every limit
  // pr-o/r-3 idles 21 min by the run; repo-o/r too, but spec-sentinel tolerates an hour.

  await runAt(at(61));
  const closes = telemetry.events.filter((e) => e.name === 'SessionClosed').map((e) => e.properties);
  assert.deepEqual(
    closes.map(({ sessionId, reason, durationMs, messageCount, generation }) => ({
      sessionId,
      reason,
      durationMs,
      messageCount,
      generation,
    })),
    [
      { sessionId: 'pr-o/r-1', reason: 'maxSessionDuration', durationMs: 61 * MINUTE, messageCount: 5, generation: 1 },
      { sessionId: 'pr-o/r-2', reason: 'maxMessagesPerSession', durationMs: 11 * MINUTE, messageCount: 6, generation: 1 },
      { sessionId: 'pr-o/r-3', reason: 'sessionTimeout', durationMs: 21 * MINUTE, messageCount: 1, generation: 1 },
    ].sort((a, b) => a.sessionId.localeCompare(b.sessionId)),
  );
  assert.ok(closes.every((c) => c.bot === 'merge-warden'));
  assert.ok(
    telemetry.metrics.some(
      (m) => m.name === 'session.durationMs' && m.value === 61 * MINUTE && m.properties.reason === 'maxSessionDuration',
    ),
  );

  for (const [id, reason] of [
    ['pr-o/r-1', 'maxSessionDuration'],
    ['pr-o/r-2', 'maxMessagesPerSession'],
    ['pr-o/r-3', 'sessionTimeout'],
  ]) {
    const record = await store.get('merge-warden', id!);
    assert.equal(record?.state, 'closed', id);
    assert.equal(record?.closeReason, reason, id);
    assert.deepEqual(record?.closedAt, at(61), id);
    assert.deepEqual((await store.touch('merge-warden', id!, `${id}-next`, at(62))).session, { id, generation: 2, index: 1, isNew: true });
  }
  assert.equal((await store.get('merge-warden', 'pr-o/r-4'))?.state, 'active');
  assert.equal((await store.get('spec-sentinel', 'repo-o/r'))?.state, 'active');
});

test('the janitor exports hot sessions and the distribution per bot', async () => {
  const { telemetry, runAt, touchAt } = await setUp();
  await touchAt('merge-warden', 'pr-o/r-hot', [0, 1, 2, 3, 4]);
  await touchAt('merge-warden', 'pr-o/r-cold', [0]);
  await runAt(at(5));
  const hot = telemetry.events.filter((e) => e.name === 'SessionHot');
  assert.deepEqual(
    hot.map((e) => [e.properties.bot, e.properties.sessionId, e.properties.messageCount]),
    [['merge-warden', 'pr-o/r-hot', 5]],
  );
  const metric = (name: string, botName: string) => telemetry.metrics.find((m) => m.name === name && m.properties.bot === botName)?.value;
  assert.equal(metric('sessions.active.sessions', 'merge-warden'), 2);
  assert.equal(metric('sessions.active.messages', 'merge-warden'), 6);
  assert.equal(metric('sessions.active.max', 'merge-warden'), 5);
  assert.equal(metric('sessions.hot', 'merge-warden'), 1);
  assert.equal(metric('sessions.active.sessions', 'spec-sentinel'), 0);
});

test('closed records are purged once past the retention, not before', async () => {
  const { store, runAt, touchAt } = await setUp();
  await touchAt('merge-warden', 'pr-o/r-9', [0]);
  await runAt(at(16)); // idle past 15 min: closed at minute 16
  assert.equal((await store.get('merge-warden', 'pr-o/r-9'))?.state, 'closed');
  await runAt(new Date(at(16).getTime() + RETENTION));
  assert.equal((await store.get('merge-warden', 'pr-o/r-9'))?.state, 'closed', 'kept for exactly the retention');
  await runAt(new Date(at(16).getTime() + RETENTION + 1));
  assert.equal(await store.get('merge-warden', 'pr-o/r-9'), undefined);
});

test('a quiet janitor run costs two Table requests per bot', async () => {
  const { runAt, touchAt, requests } = await setUp();
  await touchAt('merge-warden', 'pr-o/r-1', [0]);
  const before = requests();
  await runAt(at(1));
  assert.equal(requests() - before, 4, 'per bot: one query of active records, one query of purgeable ones');
});

test('one bot failing does not stop the others; the run then fails and names the count', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const real = createTableSessionStore({ tableClient });
  const broken: SessionStore = {
    ...real,
    list: (botName, filter) => (botName === 'merge-warden' ? Promise.reject(new Error('table unreachable')) : real.list(botName, filter)),
  };
  await real.touch('spec-sentinel', 'repo-o/r', 'd-1', t0);
  const telemetry = recordingTelemetry();
  const janitor = createJanitorHandler({
    bots: [mergeWarden, specSentinel],
    store: broken,
    telemetry,
    now: () => at(120),
    retentionMs: RETENTION,
    hotSessionThreshold: 100,
  });
  const { context, logs } = quietContext('session-janitor');
  await assert.rejects(janitor(timerTick(at(120)), context), /failed for 1 of 2 bots/);
  assert.equal((await real.get('spec-sentinel', 'repo-o/r'))?.closeReason, 'sessionTimeout');
  assert.equal(telemetry.exceptions[0]?.properties.bot, 'merge-warden');
  assert.ok(logs.some((l) => l.level === 'error' && l.message.includes('merge-warden: table unreachable')));
});

test('the janitor function is a timer on the configured schedule; a bad schedule is refused by name', () => {
  const handler = createJanitorHandler({
    bots: [],
    store: {} as SessionStore,
    telemetry: recordingTelemetry(),
    now: () => t0,
    retentionMs: 1,
    hotSessionThreshold: 1,
  });
  const definition = defineJanitorFunction(handler, '0 */5 * * * *');
  assert.equal(definition.kind, 'timer');
  assert.equal(definition.name, 'session-janitor');
  assert.equal(definition.schedule, '0 */5 * * * *');
});

test('chores run after the bots on the same schedule; a failing chore is reported, the others still run, the run fails', async () => {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const ran: string[] = [];
  const janitor = createJanitorHandler({
    bots: [specSentinel],
    store,
    telemetry: recordingTelemetry(),
    now: () => at(120),
    retentionMs: RETENTION,
    hotSessionThreshold: 100,
    chores: [
      { name: 'broken-chore', run: () => Promise.reject(new Error('storage down')) },
      { name: 'webhook-replay-purge', run: async (now) => (ran.push(now.toISOString()), 'deleted 3 replay row(s)') },
    ],
  });
  const { context, logs } = quietContext('session-janitor');
  await assert.rejects(janitor(timerTick(at(120)), context), /failed for 1 of 3 bots and chores/);
  assert.deepEqual(ran, [at(120).toISOString()]);
  assert.ok(logs.some((l) => l.message.includes('webhook-replay-purge: deleted 3 replay row(s)')));
  assert.ok(logs.some((l) => l.level === 'error' && l.message.includes('broken-chore: storage down')));
});
