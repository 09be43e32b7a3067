export type { SessionKeyGenerator } from './session-key-generator.js';
export { noOrderingStrategy } from './no-ordering-strategy.js';
export { entityStrategy, entityKey } from './entity-strategy.js';
export { repositoryStrategy, repositoryKey } from './repository-strategy.js';
export { userStrategy, userKey } from './user-strategy.js';
export { entityRepositoryHybridStrategy } from './entity-repository-hybrid-strategy.js';
export { timePartitionedEntityStrategy } from './time-partitioned-entity-strategy.js';
export {
  customStrategies,
  registerCustomStrategy,
  resolveCustomStrategy,
  UnknownCustomStrategyError,
  type CustomStrategies,
  type CustomStrategy,
  type CustomStrategyFactory,
} from './custom-strategies.js';
export { createStrategy, strategyConfigOf } from './create-strategy.js';
export { SessionManager, createStandardSessionManager } from './session-manager.js';
export { normalizeSessionId, sessionIdFor, MAX_SESSION_ID_LENGTH } from './normalize-session-id.js';
