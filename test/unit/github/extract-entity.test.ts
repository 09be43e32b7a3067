import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractEntity } from '../../../src/github/extract-entity.js';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { allExamples, examplesOf, exampleOf } from '../../support/webhook-examples.js';

const obj = (value: unknown) => value as JsonObject;
const prNumberOf = (payload: JsonObject) => String(obj(payload['pull_request'])['number']);
const runWith = (key: string) => (payload: JsonObject) => obj(payload[key]);
const pullRequestsOf = (run: JsonObject) => run['pull_requests'] as JsonObject[];
const fromFork = (run: JsonObject, payload: JsonObject) =>
  run['head_repository'] !== undefined && obj(run['head_repository'])['id'] !== obj(payload['repository'])['id'];

test('pull_request, pull_request_review, pull_request_review_comment and pull_request_review_thread are about the pull request', () => {
  for (const eventType of ['pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_review_thread']) {
    for (const payload of examplesOf(eventType)) {
      assert.deepEqual(extractEntity(eventType, payload), { entityType: 'pull_request', entityId: prNumberOf(payload) }, eventType);
    }
  }
});

test('issue_comment on a pull request (issue.pull_request present) is about the pull request', () => {
  // The corpus has no PR comment, so take a real issue comment and mark its issue as a PR, as GitHub does.
  const payload = exampleOf('issue_comment');
  const issue = obj(payload['issue']);
  issue['number'] = 1347;
  issue['pull_request'] = {
    url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1347',
    html_url: 'https://github.com/Codertocat/Hello-World/pull/1347',
    diff_url: 'https://github.com/Codertocat/Hello-World/pull/1347.diff',
    patch_url: 'https://github.com/Codertocat/Hello-World/pull/1347.patch',
  };
  assert.deepEqual(extractEntity('issue_comment', payload), { entityType: 'pull_request', entityId: '1347' });
});

test('issues events about a pull request (GitHub sends milestone changes on PRs as issues) are about the pull request', () => {
  const onPullRequests = examplesOf('issues', (payload) => obj(payload['issue'])['pull_request'] !== undefined);
  for (const payload of onPullRequests) {
    assert.deepEqual(extractEntity('issues', payload), {
      entityType: 'pull_request',
      entityId: String(obj(payload['issue'])['number']),
    });
  }
});

test('issues and issue_comment on an issue are about the issue', () => {
  for (const eventType of ['issues', 'issue_comment']) {
    for (const payload of examplesOf(eventType, (payload) => obj(payload['issue'])['pull_request'] === undefined)) {
      assert.deepEqual(extractEntity(eventType, payload), { entityType: 'issue', entityId: String(obj(payload['issue'])['number']) });
    }
  }
});

test('push to refs/heads/X is about branch X; to refs/tags/X about tag X; to another ref, the repository', () => {
  const toBranch = exampleOf('push', (payload) => payload['ref'] === 'refs/heads/master');
  assert.deepEqual(extractEntity('push', toBranch), { entityType: 'branch', entityId: 'master' });

  const toTag = exampleOf('push', (payload) => payload['ref'] === 'refs/tags/simple-tag');
  assert.deepEqual(extractEntity('push', toTag), { entityType: 'tag', entityId: 'simple-tag' });

  toBranch['ref'] = 'refs/heads/feature/login-form';
  assert.deepEqual(extractEntity('push', toBranch), { entityType: 'branch', entityId: 'feature/login-form' });

  toBranch['ref'] = 'refs/notes/commits';
  assert.deepEqual(extractEntity('push', toBranch), { entityType: 'repository', entityId: null });
});

test('create and delete follow ref_type: branch → branch, tag → tag', () => {
  for (const eventType of ['create', 'delete']) {
    const payload = exampleOf(eventType, (payload) => payload['ref_type'] === 'tag');
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'tag', entityId: 'simple-tag' }, eventType);

    payload['ref_type'] = 'branch';
    payload['ref'] = 'release/2.x';
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'branch', entityId: 'release/2.x' }, eventType);

    payload['ref_type'] = 'repository'; // `create` for a new repository carries no ref entity
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'repository', entityId: null }, eventType);
  }
});

for (const [eventType, headBranchOf] of [
  ['check_run', (run: JsonObject) => obj(run['check_suite'])['head_branch']],
  ['check_suite', (run: JsonObject) => run['head_branch']],
  ['workflow_run', (run: JsonObject) => run['head_branch']],
] as const) {
  test(`${eventType} with exactly one pull request of this repository is about that PR, else its head branch`, () => {
    const run = runWith(eventType);
    const withOnePr = exampleOf(eventType, (payload) => pullRequestsOf(run(payload)).length === 1);
    const [pr] = pullRequestsOf(run(withOnePr));
    // The corpus's workflow_run lists another repository's PR; make it this repository's.
    obj(obj(pr!['base'])['repo'])['id'] = obj(withOnePr['repository'])['id'];
    assert.deepEqual(extractEntity(eventType, withOnePr), { entityType: 'pull_request', entityId: String(pr!['number']) });

    // Two PRs share the head commit: no single PR, so the head branch orders them.
    pullRequestsOf(run(withOnePr)).push({ ...pr!, number: 99 });
    assert.deepEqual(extractEntity(eventType, withOnePr), { entityType: 'branch', entityId: headBranchOf(run(withOnePr)) });

    const withNoPr = exampleOf(eventType, (payload) => pullRequestsOf(run(payload)).length === 0 && !fromFork(run(payload), payload));
    assert.deepEqual(extractEntity(eventType, withNoPr), { entityType: 'branch', entityId: headBranchOf(run(withNoPr)) });
  });

  test(`${eventType} ignores pull requests of other repositories and falls back to the repository without a head branch`, () => {
    const run = runWith(eventType);
    const payload = exampleOf(eventType, (payload) => pullRequestsOf(run(payload)).length === 1);
    const [pr] = pullRequestsOf(run(payload));
    obj(obj(pr!['base'])['repo'])['id'] = 1; // an upstream PR listed on a fork's run
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'branch', entityId: headBranchOf(run(payload)) });

    run(payload)['head_branch'] = null;
    if (eventType === 'check_run') obj(run(payload)['check_suite'])['head_branch'] = null;
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'repository', entityId: null });
  });
}

test("workflow_run from a fork names the fork's branch: repository-level, not a branch of this repository", () => {
  const payload = exampleOf('workflow_run', (payload) => fromFork(runWith('workflow_run')(payload), payload));
  assert.deepEqual(extractEntity('workflow_run', payload), { entityType: 'repository', entityId: null });
});

test('workflow_job is about its head branch', () => {
  for (const payload of examplesOf('workflow_job', (payload) => typeof obj(payload['workflow_job'])['head_branch'] === 'string')) {
    assert.deepEqual(extractEntity('workflow_job', payload), {
      entityType: 'branch',
      entityId: obj(payload['workflow_job'])['head_branch'],
    });
  }
  const withoutBranch = exampleOf('workflow_job', (payload) => obj(payload['workflow_job'])['head_branch'] === undefined);
  assert.deepEqual(extractEntity('workflow_job', withoutBranch), { entityType: 'repository', entityId: null });
});

test('status is about its branch when exactly one branch has the commit, else the repository', () => {
  const oneBranch = exampleOf('status', (payload) => (payload['branches'] as unknown[]).length === 1);
  assert.deepEqual(extractEntity('status', oneBranch), { entityType: 'branch', entityId: 'master' });
  const severalBranches = exampleOf('status', (payload) => (payload['branches'] as unknown[]).length > 1);
  assert.deepEqual(extractEntity('status', severalBranches), { entityType: 'repository', entityId: null });
});

test('merge_group is about its base branch', () => {
  assert.deepEqual(extractEntity('merge_group', exampleOf('merge_group')), { entityType: 'branch', entityId: 'main' });
});

test('workflow_dispatch is about the branch it was dispatched on', () => {
  for (const payload of examplesOf('workflow_dispatch')) {
    assert.deepEqual(extractEntity('workflow_dispatch', payload), {
      entityType: 'branch',
      entityId: String(payload['ref']).replace('refs/heads/', ''),
    });
  }
});

test('discussion and discussion_comment are about the discussion', () => {
  for (const eventType of ['discussion', 'discussion_comment']) {
    for (const payload of examplesOf(eventType)) {
      assert.deepEqual(extractEntity(eventType, payload), {
        entityType: 'discussion',
        entityId: String(obj(payload['discussion'])['number']),
      });
    }
  }
});

test('release is about the release, by tag name', () => {
  for (const payload of examplesOf('release')) {
    assert.deepEqual(extractEntity('release', payload), { entityType: 'release', entityId: obj(payload['release'])['tag_name'] });
  }
});

const ENTITY_EVENTS = new Set([
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread',
  'issues',
  'issue_comment',
  'push',
  'create',
  'delete',
  'check_run',
  'check_suite',
  'workflow_run',
  'workflow_job',
  'status',
  'merge_group',
  'discussion',
  'discussion_comment',
  'release',
  'workflow_dispatch',
]);

test('any other event with a repository is repository-level', () => {
  let seen = 0;
  for (const { eventType, payload } of allExamples()) {
    if (ENTITY_EVENTS.has(eventType) || payload['repository'] === undefined) continue;
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'repository', entityId: null }, eventType);
    seen += 1;
  }
  assert.ok(seen > 100, `only ${seen} repository-level examples`);
});

test('events without a repository (installation, organization, membership, marketplace_purchase, sponsorship, …) have no entity', () => {
  const types = new Set<string>();
  for (const { eventType, payload } of allExamples()) {
    if (payload['repository'] !== undefined) continue;
    assert.deepEqual(extractEntity(eventType, payload), { entityType: 'none', entityId: null }, eventType);
    types.add(eventType);
  }
  for (const expected of ['installation', 'organization', 'membership', 'marketplace_purchase', 'sponsorship', 'security_advisory']) {
    assert.ok(types.has(expected), expected);
  }
});

test('a PR event without a usable number is repository-level rather than a made-up session', () => {
  const payload = exampleOf('pull_request');
  obj(payload['pull_request'])['number'] = 'twelve';
  delete payload['number'];
  assert.deepEqual(extractEntity('pull_request', payload), { entityType: 'repository', entityId: null });
  // Event names come from a header: one that is an Object.prototype key must not be taken for an extractor.
  assert.deepEqual(extractEntity('constructor', payload), { entityType: 'repository', entityId: null });
});
