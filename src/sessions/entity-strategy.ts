import type { EntityType, EventEnvelope } from '../envelope/event-envelope.js';
import type { SessionKeyGenerator } from './session-key-generator.js';

const PREFIXES: Partial<Record<EntityType, string>> = {
  pull_request: 'pr',
  issue: 'issue',
  branch: 'branch',
  tag: 'tag',
  release: 'release',
  discussion: 'discussion',
};

/** `pr-octocat/Hello-World-123`, `issue-…`, `branch-…`, `tag-…`, `release-…`, `discussion-…`; null when the event has no entity. */
export function entityKey(envelope: EventEnvelope): string | null {
  const prefix = PREFIXES[envelope.entityType];
  if (prefix === undefined || envelope.entityId === null || envelope.repository === null) return null;
  return `${prefix}-${envelope.repository.fullName}-${envelope.entityId}`;
}

/** One ordered session per pull request, issue, branch, tag, release or discussion. */
export const entityStrategy: SessionKeyGenerator = { generateKey: entityKey };
