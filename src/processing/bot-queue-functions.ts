import type { ServiceBusQueueFunctionDefinition } from '../functions-model/function-definitions.js';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { queueRequiresSession } from '../bots/queue-requires-session.js';
import type { Settings } from '../config/settings.js';
import { createTarget, type TargetDeps } from '../targets/create-target.js';
import { createBotPipeline, type BotMessageHandlerDeps, type BotPipeline } from './bot-message-handler.js';

/**
 * One queue trigger per bot, `bot-<name>`, for both hosts: session-enabled, except for a bot with
 * `strategy: none`, whose queue has no sessions (see queueRequiresSession). The bot's `cardinality`
 * picks the handler: `one` message per invocation, or a batch (`many`) of one session's messages.
 */
export function defineBotQueueFunctions(
  bots: readonly BotDefinition[],
  makeHandlers: (bot: BotDefinition) => Pick<BotPipeline, 'handle' | 'handleBatch'>,
): ServiceBusQueueFunctionDefinition[] {
  return bots.map((bot) => {
    const trigger = {
      kind: 'serviceBusQueue',
      name: `bot-${bot.name}`,
      queueName: bot.queue,
      connection: 'ServiceBusConnection',
      isSessionsEnabled: queueRequiresSession(bot),
    } as const;
    const handlers = makeHandlers(bot);
    return bot.cardinality === 'many'
      ? { ...trigger, cardinality: 'many', handler: handlers.handleBatch }
      : { ...trigger, cardinality: 'one', handler: handlers.handle };
  });
}

export type BotQueueFunctionsDeps = Omit<BotMessageHandlerDeps, 'bot' | 'target'> & {
  settings: Pick<Settings, 'JOURNAL_PATH'>;
  /** App settings, for http targets' `urlSetting` / `secretSetting`. */
  env: TargetDeps['env'];
  modules?: TargetDeps['modules'];
  fetch?: TargetDeps['fetch'];
};

/**
 * The bot queue functions wired to their targets. Every target is built here, at start-up,
 * so a missing setting or unregistered module stops the app with its name.
 */
export function createBotQueueFunctions(bots: readonly BotDefinition[], deps: BotQueueFunctionsDeps): ServiceBusQueueFunctionDefinition[] {
  return createBotPipelines(bots, deps).definitions;
}

/** As `createBotQueueFunctions`, with each bot's pipeline (the held sessions' resume delivers through it). */
export function createBotPipelines(
  bots: readonly BotDefinition[],
  deps: BotQueueFunctionsDeps,
): { definitions: ServiceBusQueueFunctionDefinition[]; pipelines: Map<string, BotPipeline> } {
  const { settings, env, modules, fetch, ...handlerDeps } = deps;
  const pipelines = new Map<string, BotPipeline>();
  const definitions = defineBotQueueFunctions(bots, (bot) => {
    const pipeline = createBotPipeline({
      ...handlerDeps,
      bot,
      target: createTarget(bot, { env, journalPath: settings.JOURNAL_PATH, now: handlerDeps.now, modules, fetch }),
    });
    pipelines.set(bot.name, pipeline);
    return pipeline;
  });
  return { definitions, pipelines };
}
