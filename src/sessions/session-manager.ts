import type { EventEnvelope } from '../envelope/event-envelope.js';
import { entityRepositoryHybridStrategy } from './entity-repository-hybrid-strategy.js';
import { entityStrategy } from './entity-strategy.js';
import { noOrderingStrategy } from './no-ordering-strategy.js';
import { repositoryStrategy } from './repository-strategy.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/**
 * Which strategy orders each bot's messages (the seed's SessionManager). Unknown bots get no ordering.
 * The app's manager is built in one place, with the bots: createBotRegistry (src/bots/bot-registry.ts).
 */
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
