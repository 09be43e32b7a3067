import type { EventEnvelope } from '../envelope/event-envelope.js';
import { createStrategy, strategyConfigOf, type BotStrategyFields } from './create-strategy.js';
import type { CustomStrategies } from './custom-strategies.js';
import { entityRepositoryHybridStrategy } from './entity-repository-hybrid-strategy.js';
import { entityStrategy } from './entity-strategy.js';
import { noOrderingStrategy } from './no-ordering-strategy.js';
import { repositoryStrategy } from './repository-strategy.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/** Which strategy orders each bot's messages (the seed's SessionManager). Unknown bots get no ordering. */
export class SessionManager {
  private readonly strategies = new Map<string, SessionKeyGenerator>();

  constructor(private readonly defaultStrategy: SessionKeyGenerator = noOrderingStrategy) {}

  registerBotStrategy(botName: string, strategy: SessionKeyGenerator): this {
    this.strategies.set(botName, strategy);
    return this;
  }

  strategyFor(botName: string): SessionKeyGenerator {
    return this.strategies.get(botName) ?? this.defaultStrategy;
  }

  generateSessionKey(botName: string, envelope: EventEnvelope): string | null {
    return this.strategyFor(botName).generateKey(envelope);
  }

  supportsOrdering(botName: string, envelope: EventEnvelope): boolean {
    return this.generateSessionKey(botName, envelope) !== null;
  }
}

/** The seed's five bots with the seed's strategies. */
export function createStandardSessionManager(): SessionManager {
  return new SessionManager()
    .registerBotStrategy('task-tactician', entityStrategy)
    .registerBotStrategy('merge-warden', entityStrategy)
    .registerBotStrategy('spec-sentinel', repositoryStrategy)
    .registerBotStrategy('security-scanner', repositoryStrategy)
    .registerBotStrategy('dependency-updater', entityRepositoryHybridStrategy);
}

/** A manager for the bots of a bots.json. Throws UnknownCustomStrategyError for an unregistered custom strategy. */
export function createSessionManager(bots: readonly (BotStrategyFields & { name: string })[], customs?: CustomStrategies): SessionManager {
  const manager = new SessionManager();
  for (const bot of bots) manager.registerBotStrategy(bot.name, createStrategy(strategyConfigOf(bot), customs));
  return manager;
}
