import type { SessionKeyGenerator } from './session-key-generator.js';

/** Stateless bots: every message on its own. The SessionManager's default. */
export const noOrderingStrategy: SessionKeyGenerator = {
  generateKey: () => null,
};
