import { entityKey } from './entity-strategy.js';
import { repositoryKey } from './repository-strategy.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/** The entity's session where the event has an entity, else the repository's. */
export const entityRepositoryHybridStrategy: SessionKeyGenerator = {
  generateKey: (envelope) => entityKey(envelope) ?? repositoryKey(envelope),
};
