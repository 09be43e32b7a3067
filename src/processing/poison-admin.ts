import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { json, listLimitParameter, problem, unknownBot } from '../functions-model/admin-responses.js';
import type { HttpFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { PoisonRecord, PoisonStore } from './poison-record.js';

export interface PoisonAdminDeps {
  bots: readonly Pick<BotDefinition, 'name'>[];
  poison: Pick<PoisonStore, 'list' | 'get'>;
}

/**
 * Operator endpoints over the poison store (auth level `function`):
 * `GET /api/poison/{bot}` lists the newest records first, without bodies;
 * `GET /api/poison/{bot}/{messageId}` answers one record with its body, ready to replay.
 */
export function definePoisonAdminFunctions(deps: PoisonAdminDeps): HttpFunctionDefinition[] {
  const knownBots = new Set(deps.bots.map((bot) => bot.name));

  const list = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const limit = listLimitParameter(request.query);
    if (typeof limit !== 'number') return limit;
    const records = (await deps.poison.list(bot)).reverse();
    const reasons: Record<string, number> = {};
    for (const record of records) reasons[record.reason] = (reasons[record.reason] ?? 0) + 1;
    return json(200, { bot, total: records.length, reasons, records: records.slice(0, limit).map(withoutBody) });
  };

  const get = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    if (!knownBots.has(bot)) return unknownBot(bot, knownBots);
    const messageId = request.params.messageId ?? '';
    if (messageId === '') return list(request);
    const record = await deps.poison.get(bot, messageId);
    return record === undefined
      ? problem(404, 'UnknownMessage', `bot "${bot}" has no poison record for message "${messageId}"`)
      : json(200, record);
  };

  return [
    { kind: 'http', name: 'poison-list', route: 'poison/{bot}', methods: ['GET'], authLevel: 'function', handler: list },
    { kind: 'http', name: 'poison-get', route: 'poison/{bot}/{*messageId}', methods: ['GET'], authLevel: 'function', handler: get },
  ];
}

function withoutBody({ body: _body, ...record }: PoisonRecord): Omit<PoisonRecord, 'body'> {
  return record;
}
