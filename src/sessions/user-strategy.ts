import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

/** `user-octocat/Hello-World-octocat`: per repository and sender; null without either. */
export function userKey(envelope: EventEnvelope): string | null {
  if (envelope.repository === null || envelope.sender === null) return null;
  return `user-${envelope.repository.fullName}-${envelope.sender.login}`;
}

/** One ordered session per user within a repository. */
export const userStrategy: SessionKeyGenerator = { generateKey: userKey };
