import type { JsonObject } from './event-refs.js';
import { isJsonObject } from './json-fields.js';

/** The payload itself: for events whose timestamps sit at the top level (status, star). */
const TOP = '';

/**
 * Where each event keeps the object it is about, most specific first (a review before its
 * pull request). Events not listed use `payload[eventType]` when that is an object.
 */
const MAIN_OBJECTS = new Map<string, readonly (readonly string[])[]>([
  ['branch_protection_rule', [['rule']]],
  ['code_scanning_alert', [['alert']]],
  ['commit_comment', [['comment']]],
  ['dependabot_alert', [['alert']]],
  ['deploy_key', [['key']]],
  ['deployment_review', [['workflow_job_run'], ['workflow_run']]],
  ['discussion_comment', [['comment'], ['discussion']]],
  ['fork', [['forkee']]],
  ['issues', [['issue']]],
  ['issue_comment', [['comment'], ['issue']]],
  ['merge_group', [['merge_group', 'head_commit']]],
  ['meta', [['hook']]],
  ['page_build', [['build']]],
  ['ping', [['hook']]],
  ['pull_request_review', [['review'], ['pull_request']]],
  ['pull_request_review_comment', [['comment'], ['pull_request']]],
  ['pull_request_review_thread', [['pull_request']]],
  ['push', [['head_commit']]],
  ['repository_vulnerability_alert', [['alert']]],
  ['secret_scanning_alert', [['alert']]],
  ['star', [[TOP]]],
  ['status', [[TOP]]],
]);

/**
 * The moment the change happened, by the object's own clock, latest meaningful stamp first:
 * an edit moves `updated_at`; a check or job finishes at `completed_at`; a review is
 * `submitted_at`; a release is `published_at` (its `created_at` is the tagged commit's date).
 */
const TIMESTAMP_FIELDS = [
  'updated_at',
  'completed_at',
  'submitted_at',
  'published_at',
  'started_at',
  'created_at',
  'timestamp',
  'starred_at',
] as const;

/**
 * When the event happened according to the payload (ISO 8601, UTC), or null when the payload
 * carries no timestamp. GitHub does not deliver in order, so bots compare this, not arrival.
 */
export function occurredAtOf(eventType: string, payload: JsonObject): string | null {
  const paths = MAIN_OBJECTS.get(eventType) ?? [[eventType]];
  for (const path of paths) {
    const object = resolve(payload, path);
    if (object === undefined) continue;
    for (const field of TIMESTAMP_FIELDS) {
      const at = toIsoTimestamp(object[field]);
      if (at !== null) return at;
    }
  }
  return null;
}

function resolve(payload: JsonObject, path: readonly string[]): JsonObject | undefined {
  let object: JsonObject | undefined = payload;
  for (const key of path) {
    if (key === TOP) continue;
    const next: unknown = object[key];
    if (!isJsonObject(next)) return undefined;
    object = next;
  }
  return object;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years ISO 8601 writes with four digits. */
const FIRST_ISO_MS = -62_167_219_200_000;
const LAST_ISO_MS = 253_402_300_799_999;

/**
 * GitHub writes ISO 8601 with `Z` or an offset, and in a few places epoch seconds. A moment
 * outside years 0000–9999 is no timestamp (toISOString would write `-000001-…` or `+010000-…`,
 * which the envelope's ISO check rightly refuses): null, like a missing one.
 */
function toIsoTimestamp(value: unknown): string | null {
  let ms: number;
  if (typeof value === 'string') ms = Date.parse(value);
  else if (typeof value === 'number') ms = value * 1000;
  else return null;
  return Number.isFinite(ms) && ms >= FIRST_ISO_MS && ms <= LAST_ISO_MS ? new Date(ms).toISOString() : null;
}
