import type { JsonObject } from '../envelope/event-envelope.js';
import { isJsonObject } from '../github/json-fields.js';
import { WebhookRejection } from './webhook-rejection.js';

type FieldKind = 'object' | 'string' | 'number' | 'array';
/** `path` is dotted (`pull_request.number`); every step but the last must be an object. */
type Requirement = readonly [path: string, kind: FieldKind];

const repository: Requirement = ['repository', 'object'];
const pullRequest: Requirement[] = [repository, ['pull_request', 'object'], ['pull_request.number', 'number']];
const issue: Requirement[] = [repository, ['issue', 'object'], ['issue.number', 'number']];
const discussion: Requirement[] = [repository, ['discussion', 'object'], ['discussion.number', 'number']];

/**
 * What a payload of each event type must hold: the fields the router reads to find the event's
 * entity (src/github/extract-entity.ts), and the object that names the event, so a body signed
 * for one event cannot be relabelled as another (GitHub signs the body, not `X-GitHub-Event`).
 * Every example of @octokit/webhooks-examples satisfies its event's list (see the unit test).
 * Events not listed are routed repository-level or `none` and need nothing specific.
 * Field names: https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
const REQUIRED_FIELDS = new Map<string, readonly Requirement[]>([
  ['pull_request', pullRequest],
  ['pull_request_review', [...pullRequest, ['review', 'object']]],
  ['pull_request_review_comment', [...pullRequest, ['comment', 'object']]],
  ['pull_request_review_thread', [...pullRequest, ['thread', 'object']]],
  ['issues', issue],
  ['issue_comment', [...issue, ['comment', 'object']]],
  ['discussion', discussion],
  ['discussion_comment', [...discussion, ['comment', 'object']]],
  ['push', [repository, ['ref', 'string'], ['before', 'string'], ['after', 'string']]],
  ['workflow_dispatch', [repository, ['ref', 'string'], ['workflow', 'string']]],
  ['create', [repository, ['ref', 'string'], ['ref_type', 'string']]],
  ['delete', [repository, ['ref', 'string'], ['ref_type', 'string']]],
  ['check_run', [repository, ['check_run', 'object']]],
  ['check_suite', [repository, ['check_suite', 'object']]],
  ['workflow_run', [repository, ['workflow_run', 'object']]],
  ['workflow_job', [repository, ['workflow_job', 'object']]],
  ['status', [repository, ['sha', 'string'], ['state', 'string'], ['branches', 'array']]],
  ['merge_group', [repository, ['merge_group', 'object']]],
  ['release', [repository, ['release', 'object'], ['release.tag_name', 'string']]],
  [
    'ping',
    [
      ['zen', 'string'],
      ['hook_id', 'number'],
    ],
  ],
]);

/** Throws 400 `payload_mismatch` naming the fields a payload lacks for its claimed event type. */
export function checkPayloadFitsEvent(eventType: string, payload: JsonObject): void {
  const requirements = REQUIRED_FIELDS.get(eventType);
  if (requirements === undefined) return;
  const missing = requirements.filter(([path, kind]) => !hasField(payload, path, kind)).map(([path, kind]) => `${path} (${kind})`);
  if (missing.length > 0) {
    throw new WebhookRejection(
      400,
      'payload_mismatch',
      `the payload does not fit X-GitHub-Event "${eventType}": missing ${missing.join(', ')}`,
    );
  }
}

function hasField(payload: JsonObject, path: string, kind: FieldKind): boolean {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (!isJsonObject(value) || !Object.hasOwn(value, key)) return false;
    value = value[key];
  }
  switch (kind) {
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === kind;
  }
}
