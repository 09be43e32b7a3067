import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { badParameter, json, problem, sessionIdOf, unknownBot } from '../functions-model/admin-responses.js';
import type { HttpFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { StoredSessionRecord } from '../lifecycle/session-record.js';
import type { SessionStore } from '../lifecycle/table-session-store.js';
import type { HeldMessage, HeldMessageStore } from './held-message-store.js';
import { resumeHeldSession, type HeldDelivery } from './resume-held-session.js';

export interface HeldAdminDeps {
  bots: readonly Pick<BotDefinition, 'name' | 'onPoison'>[];
  sessions: Pick<SessionStore, 'get' | 'list' | 'replaceIf'>;
  held: HeldMessageStore;
  /** Each hold bot's pipeline, delivering one kept message (`createBotPipeline(…).deliverHeld`). */
  deliverHeld: (bot: string) => ((message: HeldMessage) => Promise<HeldDelivery>) | undefined;
  now: () => Date;
}

/**
 * Operator endpoints for held sessions (bots with `onPoison: "hold"`, auth level `function`):
 * - `GET /api/held/{bot}`: the bot's held sessions, each with the message it stopped at and how many wait;
 * - `GET /api/held/{bot}/{sessionId}`: one held session and its kept messages in order (without bodies);
 * - `POST /api/held/{bot}/{sessionId}?action=retry|skip`: resumes it, delivering the kept messages in
 *   order before anything newer; answers what was delivered, or where it stopped (the hold stays).
 * The session id is the rest of the path (slashes as they are) or `?id=`, as for /api/sessions.
 */
export function defineHeldAdminFunctions(deps: HeldAdminDeps): HttpFunctionDefinition[] {
  const knownBots = new Set(deps.bots.map((bot) => bot.name));

  const list = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    if (request.query.get('id')) return get(request);
    const held = (await deps.sessions.list(bot)).filter((record) => record.hold !== undefined);
    const sessions = await Promise.all(
      held.map(async (record) => ({ ...present(record), waiting: await deps.held.count(bot, record.sessionId) })),
    );
    sessions.sort((a, b) => a.heldSince.localeCompare(b.heldSince));
    return json(200, { bot, total: sessions.length, sessions });
  };

  const get = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const sessionId = sessionIdOf(request);
    if (typeof sessionId !== 'string') return sessionId;
    if (sessionId === '') return list(request);
    const record = await deps.sessions.get(bot, sessionId);
    if (record?.hold === undefined) return notHeld(bot, sessionId);
    const messages = (await deps.held.list(bot, sessionId)).map(({ body: _body, bot: _bot, sessionId: _id, ...message }) => ({
      ...message,
      heldAt: message.heldAt.toISOString(),
    }));
    return json(200, { ...present(record), waiting: messages.length, messages });
  };

  const resume = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const sessionId = sessionIdOf(request);
    if (typeof sessionId !== 'string') return sessionId;
    if (sessionId === '')
      return problem(400, 'BadRequest', 'name the held session in the path (/api/held/{bot}/{sessionId}) or in ?id=', 'sessionId');
    const action = request.query.get('action');
    if (action !== 'retry' && action !== 'skip') {
      return badParameter(
        'action',
        `must be "retry" (deliver the message the session stopped at again) or "skip" (drop it; it stays in the poison store), got ${action === null ? 'nothing' : `"${action}"`}`,
      );
    }
    const deliver = deps.deliverHeld(bot);
    if (deliver === undefined) return notHeld(bot, sessionId);
    const result = await resumeHeldSession({ sessions: deps.sessions, held: deps.held, deliver, now: deps.now }, bot, sessionId, action);
    switch (result.outcome) {
      case 'notHeld':
        return notHeld(bot, sessionId);
      case 'resumed':
        return json(200, { bot, sessionId, ...result });
      case 'stillHeld':
        // Nothing lost: the rest of the line waits; try again once the target is back.
        return json(503, { bot, sessionId, ...result });
      case 'heldAgain':
        return json(409, { bot, sessionId, ...result });
    }
  };

  return [
    { kind: 'http', name: 'held-list', route: 'held/{bot}', methods: ['GET'], authLevel: 'function', handler: list },
    { kind: 'http', name: 'held-get', route: 'held/{bot}/{*sessionId}', methods: ['GET'], authLevel: 'function', handler: get },
    { kind: 'http', name: 'held-resume', route: 'held/{bot}/{*sessionId}', methods: ['POST'], authLevel: 'function', handler: resume },
  ];
}

function present(record: StoredSessionRecord) {
  return {
    sessionId: record.sessionId,
    generation: record.generation,
    heldMessageId: record.hold!.messageId,
    reason: record.hold!.reason,
    heldSince: record.hold!.since.toISOString(),
  };
}

function notHeld(bot: string, sessionId: string): HttpResponseInit {
  return problem(404, 'NotHeld', `session "${sessionId}" of bot "${bot}" is not held`);
}
