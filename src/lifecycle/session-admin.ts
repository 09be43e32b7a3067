import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  badParameter,
  json,
  listLimitParameter,
  positiveIntParameter,
  problem,
  sessionIdOf,
  unknownBot,
} from '../functions-model/admin-responses.js';
import type { HttpFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { noTelemetry } from '../telemetry/telemetry.js';
import { encodeRowKey } from './encode-row-key.js';
import { hotSessions, summarizeDistribution } from './session-metrics.js';
import type { SessionRecord, SessionState } from './session-record.js';
import { sendSessionClosedNotices, type SendSessionClosed } from './send-session-closed-notices.js';
import type { SessionStore } from './table-session-store.js';

export interface AdminDeps {
  bots: readonly (Pick<BotDefinition, 'name'> & Partial<Pick<BotDefinition, 'queue' | 'strategy'>>)[];
  store: Pick<SessionStore, 'get' | 'list' | 'close'>;
  now: () => Date;
  hotSessionThreshold: number;
  /** Tells the bot of an operator's close at once (else the janitor's next run does). */
  notices?: { send: SendSessionClosed; store: Pick<SessionStore, 'listPendingNotices' | 'markNoticeSent'> };
}

/** An HTTP handler that always answers with a plain response (what the host and tests both take). */
export type AdminHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface AdminHandlers {
  listSessions: AdminHandler;
  getSession: AdminHandler;
  closeSession: AdminHandler;
}

/**
 * Operator endpoints over the lifecycle table. Session ids contain `/` (`pr-owner/repo-7`),
 * so the id is the rest of the path (catch-all `{*sessionId}`, slashes written as they are,
 * other reserved characters percent-encoded), or `?id=` for ids a proxy might mangle.
 */
export function createAdminHandlers(deps: AdminDeps): AdminHandlers {
  const knownBots = new Set(deps.bots.map((bot) => bot.name));

  const listSessions: AdminHandler = async (request, context) => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    // `/api/sessions/{bot}?id=…` lands on this route, not the catch-all: it asks for one session.
    if (request.query.get('id')) return getSession(request, context);
    const query = parseListQuery(request.query, deps.hotSessionThreshold);
    if ('error' in query) return query.error;

    const records = await deps.store.list(bot, query.state === undefined ? {} : { state: query.state });
    const selected = query.hot ? hotSessions(records, query.threshold) : records;
    const busiestFirst = [...selected].sort(
      (a, b) => b.messageCount - a.messageCount || b.lastActivityAt.getTime() - a.lastActivityAt.getTime(),
    );
    return json(200, {
      bot,
      state: query.state ?? 'any',
      hot: query.hot,
      threshold: query.threshold,
      distribution: summarizeDistribution(records),
      total: selected.length,
      sessions: busiestFirst.slice(0, query.limit).map(present),
    });
  };

  const getSession: AdminHandler = async (request, context) => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const sessionId = sessionIdOf(request);
    if (typeof sessionId !== 'string') return sessionId;
    // A catch-all matches the empty rest too; whichever function the host picks, the answer is the list.
    if (sessionId === '') return listSessions(request, context);
    const record = await deps.store.get(bot, sessionId);
    return record === undefined ? unknownSession(bot, sessionId) : json(200, present(record));
  };

  const closeSession: AdminHandler = async (request, context) => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const sessionId = sessionIdOf(request);
    if (typeof sessionId !== 'string') return sessionId;
    if (sessionId === '')
      return problem(400, 'BadRequest', 'name the session to close in the path (/api/sessions/{bot}/{sessionId}) or in ?id=', 'sessionId');
    const result = await deps.store.close(bot, sessionId, 'manual', deps.now());
    const definition = deps.bots.find((b) => b.name === bot);
    if (result.outcome === 'closed' && deps.notices !== undefined && definition?.queue !== undefined && definition.strategy !== undefined) {
      // A failure here leaves the notice pending: the janitor's next run sends it.
      await sendSessionClosedNotices({
        ...deps.notices,
        telemetry: noTelemetry,
        bot: { name: bot, queue: definition.queue, strategy: definition.strategy },
      }).catch((error: unknown) =>
        context.warn(`sessions-close: the session-closed notice of ${sessionId} is left to the janitor: ${String(error)}`),
      );
    }
    switch (result.outcome) {
      case 'closed':
      case 'alreadyClosed':
        return json(200, { outcome: result.outcome, session: present(result.record) });
      case 'notFound':
      case 'changed':
        return unknownSession(bot, sessionId);
    }
  };

  return { listSessions, getSession, closeSession };
}

export function defineAdminFunctions(handlers: AdminHandlers): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'sessions-list',
      route: 'sessions/{bot}',
      methods: ['GET'],
      authLevel: 'function',
      handler: handlers.listSessions,
    },
    {
      kind: 'http',
      name: 'sessions-get',
      route: 'sessions/{bot}/{*sessionId}',
      methods: ['GET'],
      authLevel: 'function',
      handler: handlers.getSession,
    },
    {
      kind: 'http',
      name: 'sessions-close',
      route: 'sessions/{bot}/{*sessionId}',
      methods: ['POST'],
      authLevel: 'function',
      handler: handlers.closeSession,
    },
  ];
}

type ListQuery = { state: SessionState | undefined; hot: boolean; threshold: number; limit: number };

function parseListQuery(query: URLSearchParams, defaultThreshold: number): ListQuery | { error: HttpResponseInit } {
  const state = query.get('state');
  if (state !== null && state !== 'active' && state !== 'closed') {
    return { error: badParameter('state', `must be "active" or "closed", got "${state}"`) };
  }
  const hot = query.get('hot');
  if (hot !== null && hot !== 'true' && hot !== 'false') {
    return { error: badParameter('hot', `must be "true" or "false", got "${hot}"`) };
  }
  const threshold = positiveIntParameter(query, 'threshold', defaultThreshold, Number.MAX_SAFE_INTEGER);
  if (typeof threshold !== 'number') return { error: threshold };
  const limit = listLimitParameter(query);
  if (typeof limit !== 'number') return { error: limit };
  return { state: state ?? undefined, hot: hot === 'true', threshold, limit };
}

/** The record as JSON, with the RowKey for people who look at the table directly. */
function present(record: SessionRecord): Record<string, unknown> {
  const { bot, sessionId, generation, state, openedAt, lastActivityAt, messageCount, lastMessageId, closedAt, closeReason, hold } = record;
  return {
    bot,
    sessionId,
    rowKey: encodeRowKey(sessionId),
    generation,
    state,
    openedAt: openedAt.toISOString(),
    lastActivityAt: lastActivityAt.toISOString(),
    messageCount,
    lastMessageId,
    ...(closedAt === undefined ? {} : { closedAt: closedAt.toISOString() }),
    ...(closeReason === undefined ? {} : { closeReason }),
    // Held on poison: its messages wait in line (see /api/held/{bot}).
    ...(hold === undefined ? {} : { hold: { messageId: hold.messageId, reason: hold.reason, since: hold.since.toISOString() } }),
  };
}

function unknownSession(bot: string, sessionId: string): HttpResponseInit {
  return problem(
    404,
    'UnknownSession',
    `bot "${bot}" has no record of session "${sessionId}" (never seen, or purged after the retention period)`,
  );
}
