import { customStrategies, resolveCustomStrategy, type CustomStrategies } from './custom-strategies.js';
import { entityRepositoryHybridStrategy } from './entity-repository-hybrid-strategy.js';
import { entityStrategy } from './entity-strategy.js';
import { noOrderingStrategy } from './no-ordering-strategy.js';
import { repositoryStrategy } from './repository-strategy.js';
import type { SessionKeyGenerator } from './session-key-generator.js';
import type { StrategyConfig } from './strategy-config-schema.js';
import { timePartitionedEntityStrategy } from './time-partitioned-entity-strategy.js';
import { userStrategy } from './user-strategy.js';

/** The generator a bots.json `strategy` stands for. Throws UnknownCustomStrategyError for an unregistered custom name. */
export function createStrategy(config: StrategyConfig, customs: CustomStrategies = customStrategies): SessionKeyGenerator {
  switch (config.type) {
    case 'none':
      return noOrderingStrategy;
    case 'entity':
      return entityStrategy;
    case 'repository':
      return repositoryStrategy;
    case 'user':
      return userStrategy;
    case 'entity-repository-hybrid':
      return entityRepositoryHybridStrategy;
    case 'time-partitioned-entity':
      return timePartitionedEntityStrategy(config.params.partitionMinutes * 60);
    case 'custom': {
      const { name, ...params } = config.params;
      return resolveCustomStrategy(name, params, customs);
    }
  }
}

/** The fields of a bots.json bot (BotDefinition) that choose its strategy. */
export type BotStrategyFields = { strategy: StrategyConfig; session: { strategyParams: Record<string, string> } };

/**
 * A bot's strategy config with the seed's `session.strategyParams` folded into a custom
 * strategy's params (`strategy.params` wins on a clash).
 */
export function strategyConfigOf(bot: BotStrategyFields): StrategyConfig {
  const { strategy, session } = bot;
  if (strategy.type !== 'custom' || Object.keys(session.strategyParams).length === 0) return strategy;
  return { type: 'custom', params: { ...session.strategyParams, ...strategy.params } };
}
