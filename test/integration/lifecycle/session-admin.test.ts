import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import functions from '@azure/functions';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createAdminHandlers, defineAdminFunctions, type AdminHandler } from '../../../src/lifecycle/session-admin.js';
import { createTableSessionStore, type SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { freshSessionsTable } from '../../support/sessions-table.js';
import { quietContext } from '../../support/functions-context.js';

const { HttpRequest } = functions;

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const bots = [{ name: 'merge-warden' }, { name: 'spec-sentinel' }];

async function setUp() {
  const { tableClient } = await freshSessionsTable(azurite.connectionString);
  const store = createTableSessionStore({ tableClient });
  const handlers = createAdminHandlers({ bots, store, now: () => at(30), hotSessionThreshold: 3 });
  return { store, handlers };
}

/** A request as the host builds it for `sessions/{bot}/{*sessionId}`: the catch-all keeps the slashes. */
function request(method: 'GET' | 'POST', bot: string, sessionId?: string, query: Record<string, string> = {}) {
  const search = new URLSearchParams(query).toString();
  const path = `/api/sessions/${bot}${sessionId === undefined ? '' : `/${sessionId}`}`;
  return new HttpRequest({
    method,
    url: `http://localhost:7071${path}${search ? `?${search}` : ''}`,
    params: sessionId === undefined ? { bot } : { bot, sessionId },
    query,
  });
}

async function call(handler: AdminHandler, req: functions.HttpRequest) {
  const response = await handler(req, quietContext('sessions').context);
  return { status: response.status ?? 200, body: response.jsonBody as Record<string, unknown> & { sessions?: Record<string, unknown>[] } };
}

async function seed(store: SessionStore) {
  for (let i = 0; i < 5; i++) await store.touch('merge-warden', 'pr-o/r-1', `a${i}`, at(i)); // hot: 5 > 3
  for (let i = 0; i < 2; i++) await store.touch('merge-warden', 'branch-o/r-feat/x#1?', `b${i}`, at(i));
  await store.touch('merge-warden', 'issue-o/r-9', 'c0', at(0));
  await store.close('merge-warden', 'issue-o/r-9', 'sessionTimeout', at(20));
}

test("lists a bot's sessions busiest first with the distribution, filtered by state and hotness", async () => {
  const { store, handlers } = await setUp();
  await seed(store);

  const all = await call(handlers.listSessions, request('GET', 'merge-warden'));
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.sessions!.map((s) => [s.sessionId, s.messageCount, s.state]),
    [
      ['pr-o/r-1', 5, 'active'],
      ['branch-o/r-feat/x#1?', 2, 'active'],
      ['issue-o/r-9', 1, 'closed'],
    ],
  );
  assert.deepEqual(all.body.distribution, { sessions: 3, messages: 8, max: 5, p50: 2, p90: 5, p99: 5 });

  const closed = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { state: 'closed' }));
  assert.deepEqual(
    closed.body.sessions!.map((s) => [s.sessionId, s.closeReason]),
    [['issue-o/r-9', 'sessionTimeout']],
  );

  const hot = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { state: 'active', hot: 'true' }));
  assert.deepEqual(
    hot.body.sessions!.map((s) => s.sessionId),
    ['pr-o/r-1'],
  );
  assert.equal(hot.body.threshold, 3);
  const hotter = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { hot: 'true', threshold: '5' }));
  assert.deepEqual(hotter.body.sessions, []);

  const limited = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { limit: '1' }));
  assert.equal(limited.body.total, 3);
  assert.equal(limited.body.sessions!.length, 1);

  // The get function answers the list too when the catch-all is empty.
  const viaGet = await call(handlers.getSession, request('GET', 'merge-warden', ''));
  assert.deepEqual(viaGet.body.sessions!.length, 3);
});

test('reads one session whose id has slashes and reserved characters, by path or by ?id=', async () => {
  const { store, handlers } = await setUp();
  await seed(store);
  const byPath = await call(handlers.getSession, request('GET', 'merge-warden', 'branch-o/r-feat/x#1?'));
  assert.equal(byPath.status, 200);
  assert.deepEqual(byPath.body, {
    bot: 'merge-warden',
    sessionId: 'branch-o/r-feat/x#1?',
    rowKey: 'branch-o~2Fr-feat~2Fx~231~3F',
    generation: 1,
    state: 'active',
    openedAt: at(0).toISOString(),
    lastActivityAt: at(1).toISOString(),
    messageCount: 2,
    lastMessageId: 'b1',
  });
  const byQuery = await call(handlers.getSession, request('GET', 'merge-warden', '', { id: 'branch-o/r-feat/x#1?' }));
  assert.deepEqual(byQuery.body, byPath.body);
  // `GET /api/sessions/{bot}?id=…` (the curl -G form in docs/bots-and-sessions.md) is routed to the list function.
  const byQueryOnList = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { id: 'branch-o/r-feat/x#1?' }));
  assert.deepEqual(byQueryOnList.body, byPath.body);
  const missingOnList = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { id: 'pr-o/r-404' }));
  assert.equal(missingOnList.status, 404);
  const emptyId = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { id: '' }));
  assert.equal(emptyId.body.sessions!.length, 3);

  const conflicting = await call(handlers.getSession, request('GET', 'merge-warden', 'pr-o/r-1', { id: 'pr-o/r-2' }));
  assert.equal(conflicting.status, 400);
  assert.equal(conflicting.body.parameter, 'id');

  const missing = await call(handlers.getSession, request('GET', 'merge-warden', 'pr-o/r-404'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'UnknownSession');
  assert.match(String(missing.body.detail), /pr-o\/r-404/);
});

test('closes a session by hand; the next message opens the next generation', async () => {
  const { store, handlers } = await setUp();
  await seed(store);
  const closed = await call(handlers.closeSession, request('POST', 'merge-warden', 'pr-o/r-1'));
  assert.equal(closed.status, 200);
  assert.equal(closed.body.outcome, 'closed');
  const session = closed.body.session as Record<string, unknown>;
  assert.equal(session.closeReason, 'manual');
  assert.equal(session.closedAt, at(30).toISOString());
  assert.equal((await call(handlers.closeSession, request('POST', 'merge-warden', 'pr-o/r-1'))).body.outcome, 'alreadyClosed');
  assert.deepEqual((await store.touch('merge-warden', 'pr-o/r-1', 'a9', at(31))).session, {
    id: 'pr-o/r-1',
    generation: 2,
    index: 1,
    isNew: true,
  });

  assert.equal((await call(handlers.closeSession, request('POST', 'merge-warden', 'pr-o/r-404'))).status, 404);
  const nameless = await call(handlers.closeSession, request('POST', 'merge-warden', ''));
  assert.equal(nameless.status, 400);
  assert.equal(nameless.body.parameter, 'sessionId');
});

test('an unknown bot is a 404 and a bad query a 400 naming the parameter', async () => {
  const { handlers } = await setUp();
  for (const handler of [handlers.listSessions, handlers.getSession, handlers.closeSession]) {
    const response = await call(handler, request('GET', 'no-such-bot', 'pr-o/r-1'));
    assert.equal(response.status, 404);
    assert.equal(response.body.error, 'UnknownBot');
    assert.match(String(response.body.detail), /no-such-bot.*merge-warden, spec-sentinel/);
  }
  for (const [parameter, value] of [
    ['state', 'open'],
    ['hot', 'yes'],
    ['threshold', '-1'],
    ['limit', '1001'],
    ['limit', '1.5'],
  ] as const) {
    const response = await call(handlers.listSessions, request('GET', 'merge-warden', undefined, { [parameter]: value }));
    assert.equal(response.status, 400, `${parameter}=${value}`);
    assert.equal(response.body.parameter, parameter);
    assert.match(String(response.body.detail), new RegExp(`"${parameter}".*"${value.replace('.', '\\.')}"`));
  }
});

test('the admin functions are function-key HTTP routes with a catch-all session id', () => {
  const definitions = defineAdminFunctions(createAdminHandlers({ bots, store: {} as SessionStore, now: () => t0, hotSessionThreshold: 1 }));
  assert.deepEqual(
    definitions.map(({ name, route, methods, authLevel }) => ({ name, route, methods, authLevel })),
    [
      { name: 'sessions-list', route: 'sessions/{bot}', methods: ['GET'], authLevel: 'function' },
      { name: 'sessions-get', route: 'sessions/{bot}/{*sessionId}', methods: ['GET'], authLevel: 'function' },
      { name: 'sessions-close', route: 'sessions/{bot}/{*sessionId}', methods: ['POST'], authLevel: 'function' },
    ],
  );
});
