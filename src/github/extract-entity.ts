import type { EntityType, JsonObject, RepositoryRef } from './event-refs.js';
import { arrayField, isJsonObject, numberField, objectField, stringField } from './json-fields.js';
import { repositoryOf } from './repository-ref.js';

export interface EntityRef {
  entityType: EntityType;
  /** PR / issue / discussion number, branch / tag name, release tag; null for `repository` and `none`. */
  entityId: string | null;
}

const REPOSITORY_LEVEL: EntityRef = Object.freeze({ entityType: 'repository', entityId: null });
const NO_REPOSITORY: EntityRef = Object.freeze({ entityType: 'none', entityId: null });

/** Finds the entity in a payload of one event type; null = repository-level. */
type Extractor = (payload: JsonObject, repositoryId: number) => EntityRef | null;

/**
 * What an event is about (DESIGN.md "Entity of an event"), so that every bot ordering per
 * entity sees a pull request's, issue's or branch's events in one session.
 * Events with no repository are `none`; events with a repository but no narrower entity
 * (or an entity the payload does not pin down) are `repository`.
 */
export function extractEntity(eventType: string, payload: JsonObject): EntityRef {
  return extractEntityIn(eventType, payload, repositoryOf(payload));
}

/** `extractEntity` for a caller that has already read the repository (the envelope builder). */
export function extractEntityIn(eventType: string, payload: JsonObject, repository: RepositoryRef | null): EntityRef {
  if (repository === null) return NO_REPOSITORY;
  return EXTRACTORS.get(eventType)?.(payload, repository.id) ?? REPOSITORY_LEVEL;
}

const pullRequestNumber = (payload: JsonObject): EntityRef | null =>
  numbered('pull_request', numberField(objectField(payload, 'pull_request'), 'number') ?? numberField(payload, 'number'));

/**
 * Issues and pull requests share one number space, and GitHub reports PR comments (and PR
 * milestone changes) as issue events with `issue.pull_request` set: those belong to the PR's
 * session, so PR commands stay ordered with the PR's own events.
 */
const issueOrPullRequest = (payload: JsonObject): EntityRef | null => {
  const issue = objectField(payload, 'issue');
  const kind = isJsonObject(issue?.['pull_request']) ? 'pull_request' : 'issue';
  return numbered(kind, numberField(issue, 'number'));
};

const discussionNumber = (payload: JsonObject): EntityRef | null =>
  numbered('discussion', numberField(objectField(payload, 'discussion'), 'number'));

/** `push.ref` and `workflow_dispatch.ref` are full refs. */
const fullRef = (payload: JsonObject): EntityRef | null => entityOfFullRef(stringField(payload, 'ref'));

/** `create` / `delete` carry a short ref and say what it is. */
const shortRefByType = (payload: JsonObject): EntityRef | null => {
  const ref = stringField(payload, 'ref');
  switch (stringField(payload, 'ref_type')) {
    case 'branch':
      return named('branch', ref);
    case 'tag':
      return named('tag', ref);
    default:
      return null;
  }
};

/**
 * check_run / check_suite / workflow_run: the pull request when exactly one of this
 * repository's PRs matches, else the head branch. PRs of other repositories (GitHub lists
 * upstream PRs on a fork's runs) are ignored: their numbers mean nothing here.
 */
const pullRequestOrHeadBranch =
  (runKey: string, headBranchOf: (run: JsonObject | undefined, repositoryId: number) => string | undefined): Extractor =>
  (payload, repositoryId) => {
    const run = objectField(payload, runKey);
    let only: number | undefined;
    let count = 0;
    for (const pr of arrayField(run, 'pull_requests') ?? []) {
      if (!isJsonObject(pr)) continue;
      const baseRepositoryId = numberField(objectField(objectField(pr, 'base'), 'repo'), 'id');
      if (baseRepositoryId !== undefined && baseRepositoryId !== repositoryId) continue;
      only = numberField(pr, 'number');
      count += 1;
    }
    if (count === 1) return numbered('pull_request', only);
    return named('branch', headBranchOf(run, repositoryId));
  };

const ownHeadBranch = (run: JsonObject | undefined) => stringField(run, 'head_branch');

/** A workflow run for a fork's PR names the fork's branch: not a branch of this repository. */
const workflowRunHeadBranch = (run: JsonObject | undefined, repositoryId: number) => {
  const headRepositoryId = numberField(objectField(run, 'head_repository'), 'id');
  return headRepositoryId === undefined || headRepositoryId === repositoryId ? stringField(run, 'head_branch') : undefined;
};

const EXTRACTORS = new Map<string, Extractor>([
  ['pull_request', pullRequestNumber],
  ['pull_request_review', pullRequestNumber],
  ['pull_request_review_comment', pullRequestNumber],
  ['pull_request_review_thread', pullRequestNumber],
  ['issues', issueOrPullRequest],
  ['issue_comment', issueOrPullRequest],
  ['discussion', discussionNumber],
  ['discussion_comment', discussionNumber],
  ['push', fullRef],
  ['workflow_dispatch', fullRef],
  ['create', shortRefByType],
  ['delete', shortRefByType],
  ['check_run', pullRequestOrHeadBranch('check_run', (run) => ownHeadBranch(objectField(run, 'check_suite')))],
  ['check_suite', pullRequestOrHeadBranch('check_suite', ownHeadBranch)],
  ['workflow_run', pullRequestOrHeadBranch('workflow_run', workflowRunHeadBranch)],
  ['workflow_job', (payload) => named('branch', stringField(objectField(payload, 'workflow_job'), 'head_branch'))],
  [
    'status',
    (payload) => {
      const branches = arrayField(payload, 'branches');
      const only = branches?.length === 1 && isJsonObject(branches[0]) ? stringField(branches[0], 'name') : undefined;
      return named('branch', only);
    },
  ],
  ['merge_group', (payload) => named('branch', stripBranchPrefix(stringField(objectField(payload, 'merge_group'), 'base_ref')))],
  ['release', (payload) => named('release', stringField(objectField(payload, 'release'), 'tag_name'))],
]);

function entityOfFullRef(ref: string | undefined): EntityRef | null {
  if (ref?.startsWith('refs/heads/')) return named('branch', ref.slice('refs/heads/'.length));
  if (ref?.startsWith('refs/tags/')) return named('tag', ref.slice('refs/tags/'.length));
  return null;
}

function stripBranchPrefix(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

function numbered(entityType: EntityType, value: number | undefined): EntityRef | null {
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? { entityType, entityId: String(value) } : null;
}

function named(entityType: EntityType, value: string | undefined): EntityRef | null {
  return value !== undefined && value !== '' ? { entityType, entityId: value } : null;
}
