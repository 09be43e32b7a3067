import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { badParameter, json, listLimitParameter, problem, unknownBot } from '../functions-model/admin-responses.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { DeadLetterQueue, TakeOutcome } from './dead-letter-queue.js';

export interface DeadLetterAdminDeps {
  bots: readonly Pick<BotDefinition, 'name' | 'queue'>[];
  deadLetters: DeadLetterQueue;
  telemetry: Telemetry;
}

/** The count metric stops peeking here: beyond it the number is a floor (and the alert long fired). */
const DEAD_LETTER_COUNT_CAP = 5_000;

/**
 * Operator endpoints over each bot's dead-letter queue (auth level `function`):
 * `GET /api/deadletters/{bot}?from=&limit=` peeks (removes nothing, locks nothing), oldest first;
 * `POST /api/deadletters/{bot}/{messageId}/resubmit` sends one back to its session (new MessageId,
 * see `resubmittedMessageId`) and removes it; `DELETE /api/deadletters/{bot}/{messageId}` removes it.
 * `?sequenceNumber=` picks one when several dead letters share a MessageId.
 */
export function defineDeadLetterAdminFunctions(deps: DeadLetterAdminDeps): HttpFunctionDefinition[] {
  const queues = new Map(deps.bots.map((bot) => [bot.name, bot.queue]));

  const list = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const bot = request.params.bot ?? '';
    const queue = queues.get(bot);
    if (queue === undefined) return unknownBot(bot, queues.keys());
    const limit = listLimitParameter(request.query);
    if (typeof limit !== 'number') return limit;
    const from = sequenceParameter(request.query, 'from');
    if (typeof from !== 'number' && from !== undefined) return from;
    const page = await deps.deadLetters.list(queue, { from: from ?? 0, limit });
    return json(200, { bot, queue, ...page });
  };

  const settle =
    (action: 'resubmit' | 'discard') =>
    async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const bot = request.params.bot ?? '';
      const queue = queues.get(bot);
      if (queue === undefined) return unknownBot(bot, queues.keys());
      const messageId = request.params.messageId ?? '';
      if (messageId === '')
        return problem(400, 'BadRequest', 'name the dead-lettered message in the path: /api/deadletters/{bot}/{messageId}', 'messageId');
      const sequenceNumber = sequenceParameter(request.query, 'sequenceNumber');
      if (typeof sequenceNumber !== 'number' && sequenceNumber !== undefined) return sequenceNumber;
      const result = await deps.deadLetters[action](queue, messageId, sequenceNumber);
      return answer(bot, messageId, result, context);
    };

  function answer(bot: string, messageId: string, result: TakeOutcome, context: InvocationContext): HttpResponseInit {
    switch (result.outcome) {
      case 'notFound':
        return problem(404, 'UnknownMessage', `bot "${bot}" has no dead-lettered message "${messageId}"`);
      case 'locked':
        return problem(
          409,
          'Locked',
          `dead-lettered message "${messageId}" of bot "${bot}" is locked by another receiver; try again in a minute`,
        );
      case 'resubmitted':
        deps.telemetry.trackEvent('DeadLetterResubmitted', {
          bot,
          messageId,
          newMessageId: result.newMessageId,
          sessionId: result.deadLetter.sessionId ?? undefined,
        });
        context.log(
          `Bot "${bot}": dead-lettered message ${messageId} resubmitted to session ${result.deadLetter.sessionId} as ${result.newMessageId}`,
        );
        return json(200, { outcome: 'resubmitted', newMessageId: result.newMessageId, deadLetter: result.deadLetter });
      case 'discarded':
        deps.telemetry.trackEvent('DeadLetterDiscarded', { bot, messageId, sessionId: result.deadLetter.sessionId ?? undefined });
        context.log(`Bot "${bot}": dead-lettered message ${messageId} discarded`);
        return json(200, { outcome: 'discarded', deadLetter: result.deadLetter });
    }
  }

  return [
    { kind: 'http', name: 'deadletters-list', route: 'deadletters/{bot}', methods: ['GET'], authLevel: 'function', handler: list },
    {
      kind: 'http',
      name: 'deadletters-resubmit',
      route: 'deadletters/{bot}/{messageId}/resubmit',
      methods: ['POST'],
      authLevel: 'function',
      handler: settle('resubmit'),
    },
    {
      kind: 'http',
      name: 'deadletters-discard',
      route: 'deadletters/{bot}/{messageId}',
      methods: ['DELETE'],
      authLevel: 'function',
      handler: settle('discard'),
    },
  ];
}

/**
 * The `DeadLetteredMessages` metric per bot, on the janitor's schedule: one peek per bot (more only
 * when there are over 250), Listen rights only. The Azure Monitor alert on the namespace's own
 * DeadletteredMessages metric (infra) pages someone; this one names the bot in App Insights.
 */
export function defineDeadLetterCountFunction(deps: DeadLetterAdminDeps, schedule: string): TimerFunctionDefinition {
  return {
    kind: 'timer',
    name: 'deadletter-count',
    schedule,
    runOnStartup: false,
    handler: async (_timer: Timer, context: InvocationContext) => {
      for (const bot of deps.bots) {
        try {
          const count = await deps.deadLetters.count(bot.queue, DEAD_LETTER_COUNT_CAP);
          deps.telemetry.trackMetric('DeadLetteredMessages', count, { bot: bot.name });
          if (count > 0)
            context.warn(
              `Bot "${bot.name}": ${count}${count >= DEAD_LETTER_COUNT_CAP ? '+' : ''} dead-lettered message(s); see GET /api/deadletters/${bot.name}`,
            );
        } catch (error) {
          deps.telemetry.trackException(error, { bot: bot.name, stage: 'deadletter-count' });
          context.error(`Bot "${bot.name}": could not count dead letters: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
  };
}

function sequenceParameter(query: URLSearchParams, name: string): number | undefined | HttpResponseInit {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value))
    return badParameter(name, `must be a sequence number (a whole number), got "${text}"`);
  return value;
}
