import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/** `repo-octocat/Hello-World`; null for events with no repository (installation, organization, …). */
export function repositoryKey(envelope: EventEnvelope): string | null {
  return envelope.repository === null ? null : `repo-${envelope.repository.fullName}`;
}

/** One ordered session per repository. */
export const repositoryStrategy: SessionKeyGenerator = { generateKey: repositoryKey };
