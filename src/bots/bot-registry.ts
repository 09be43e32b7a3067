import type { EventEnvelope } from '../envelope/event-envelope.js';
import { customStrategies, type CustomStrategies } from '../sessions/custom-strategies.js';
import { createStrategy, strategyConfigOf } from '../sessions/create-strategy.js';
import { SessionManager } from '../sessions/session-manager.js';
import type { BotDefinition } from './bot-config-schema.js';
import { queueRequiresSession } from './queue-requires-session.js';
import { BotsConfigError, type BotsConfigProblem } from './bots-config-error.js';
import { compileEventFilter, compileRepositoryFilter, type EventFilter, type RepositoryFilter } from './match-event.js';

/** A bot with its filters compiled; its strategy is in the registry's SessionManager. */
export interface RegisteredBot {
  readonly definition: BotDefinition;
  readonly name: string;
  readonly queue: string;
  /** False for `strategy: none`: its queue has no sessions, so its messages carry no SessionId. */
  readonly sessions: boolean;
  readonly acceptsEvent: EventFilter;
  readonly acceptsRepository: RepositoryFilter;
}

export interface BotRegistry {
  /** Where the definitions came from (a path, or "bots.json" for the shipped file). */
  readonly source: string;
  readonly bots: readonly BotDefinition[];
  /** The same bots, compiled, in file order. */
  readonly registered: readonly RegisteredBot[];
  readonly sessionManager: SessionManager;
  byName(name: string): BotDefinition | undefined;
  /** The bots whose event and repository filters take this envelope, in file order. */
  botsFor(envelope: Pick<EventEnvelope, 'eventType' | 'action' | 'repository'>): RegisteredBot[];
}

export interface BotRegistryOptions {
  customs?: CustomStrategies;
  /** Names the file in errors. */
  source?: string;
}

/**
 * Compiles validated definitions: event and repository patterns, strategies (custom names
 * resolved now, so a missing one stops start-up rather than a delivery).
 */
export function createBotRegistry(bots: readonly BotDefinition[], options: BotRegistryOptions = {}): BotRegistry {
  const source = options.source ?? 'bots.json';
  const customs = options.customs ?? customStrategies;
  const problems: BotsConfigProblem[] = [];
  const registered: RegisteredBot[] = [];
  const sessionManager = new SessionManager();

  bots.forEach((definition, index) => {
    const attempt = <T>(field: string, compile: () => T): T | undefined => {
      try {
        return compile();
      } catch (error) {
        problems.push({ index, botName: definition.name, field, message: (error as Error).message });
        return undefined;
      }
    };
    const acceptsEvent = attempt('events', () => compileEventFilter(definition.events));
    const acceptsRepository = attempt('repositories', () => compileRepositoryFilter(definition.repositories));
    const strategyField = definition.strategy.type === 'custom' ? 'strategy.params.name' : 'strategy';
    const strategy = attempt(strategyField, () => createStrategy(strategyConfigOf(definition), customs));
    if (acceptsEvent && acceptsRepository && strategy) {
      registered.push({
        definition,
        name: definition.name,
        queue: definition.queue,
        sessions: queueRequiresSession(definition),
        acceptsEvent,
        acceptsRepository,
      });
      sessionManager.registerBotStrategy(definition.name, strategy);
    }
  });
  if (problems.length > 0) throw new BotsConfigError(source, problems);

  const byName = new Map(bots.map((bot) => [bot.name, bot]));
  return {
    source,
    bots,
    registered,
    sessionManager,
    byName: (name) => byName.get(name),
    botsFor: ({ eventType, action, repository }) => {
      const fullName = repository?.fullName ?? null;
      return registered.filter((bot) => bot.acceptsEvent(eventType, action) && bot.acceptsRepository(fullName));
    },
  };
}
