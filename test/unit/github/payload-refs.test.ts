import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { installationIdOf, occurredAtOf, repositoryOf, senderOf } from '../../../src/github/index.js';
import { action, exampleOf } from '../../support/webhook-examples.js';

const obj = (value: unknown) => value as JsonObject;

test('repositoryOf reads owner, name, full name and id as GitHub spells them', () => {
  assert.deepEqual(repositoryOf(exampleOf('pull_request', action('opened'))), {
    owner: 'Codertocat',
    name: 'Hello-World',
    fullName: 'Codertocat/Hello-World',
    id: 186853002,
  });
  assert.equal(repositoryOf(exampleOf('installation')), null);
});

test('repositoryOf takes the owner from full_name when owner is missing, and gives up on a repository without a name', () => {
  const payload = exampleOf('push');
  delete obj(payload['repository'])['owner'];
  assert.equal(repositoryOf(payload)?.owner, 'Codertocat');
  delete obj(payload['repository'])['name'];
  assert.equal(repositoryOf(payload), null);
});

test('senderOf reads login, id and type; null when the payload has no sender', () => {
  assert.deepEqual(senderOf(exampleOf('issues', action('opened'))), { login: 'Codertocat', id: 21031067, type: 'User' });
  assert.equal(senderOf(exampleOf('security_advisory')), null);
});

test('installationIdOf reads the GitHub App installation, null for plain webhooks', () => {
  const withInstallation = exampleOf('check_run', (payload) => payload['installation'] !== undefined);
  assert.equal(installationIdOf(withInstallation), obj(withInstallation['installation'])['id']);
  assert.equal(installationIdOf(exampleOf('check_run', (payload) => payload['installation'] === undefined)), null);
});

test("occurredAt is the main object's own last change, in UTC", () => {
  const edited = exampleOf('issue_comment', action('edited'));
  assert.equal(occurredAtOf('issue_comment', edited), new Date(String(obj(edited['comment'])['updated_at'])).toISOString());

  const pr = exampleOf('pull_request', action('opened'));
  assert.equal(occurredAtOf('pull_request', pr), new Date(String(obj(pr['pull_request'])['updated_at'])).toISOString());

  const review = exampleOf('pull_request_review');
  assert.equal(occurredAtOf('pull_request_review', review), new Date(String(obj(review['review'])['submitted_at'])).toISOString());
});

test('occurredAt of a completed check run is its completion, of a push its head commit (offset normalised to UTC)', () => {
  const completed = exampleOf('check_run', (payload) => obj(payload['check_run'])['completed_at'] !== null);
  assert.equal(occurredAtOf('check_run', completed), new Date(String(obj(completed['check_run'])['completed_at'])).toISOString());

  const push = exampleOf('push', (payload) => payload['head_commit'] !== null);
  push['head_commit'] = { ...obj(push['head_commit']), timestamp: '2019-05-15T10:19:25-05:00' };
  assert.equal(occurredAtOf('push', push), '2019-05-15T15:19:25.000Z');
});

test('occurredAt reads epoch seconds where GitHub writes them, and top-level stamps of status', () => {
  const installation = exampleOf('installation', (payload) => typeof obj(payload['installation'])['updated_at'] === 'number');
  const seconds = obj(installation['installation'])['updated_at'] as number;
  assert.equal(occurredAtOf('installation', installation), new Date(seconds * 1000).toISOString());

  const status = exampleOf('status');
  assert.equal(occurredAtOf('status', status), new Date(String(status['updated_at'])).toISOString());
});

test('occurredAt is null for a moment outside years 0000-9999, which ISO 8601 cannot write with four digits', () => {
  // fast-check found it: -62167219200.001 s is 1 ms before year 0 and printed as "-000001-12-31T23:59:59.999Z".
  const run = (updated_at: number | string) => ({ workflow_run: { pull_requests: [], head_branch: '', updated_at } });
  assert.equal(occurredAtOf('deployment_review', run(-62167219200.001)), null);
  assert.equal(occurredAtOf('deployment_review', run(-62167219200)), '0000-01-01T00:00:00.000Z');
  assert.equal(occurredAtOf('deployment_review', run(253402300800)), null);
  assert.equal(occurredAtOf('deployment_review', run('+010000-01-01T00:00:00Z')), null);
});

test('occurredAt is null when the payload carries no timestamp', () => {
  assert.equal(occurredAtOf('label', exampleOf('label')), null);
  assert.equal(
    occurredAtOf(
      'push',
      exampleOf('push', (payload) => payload['head_commit'] === null),
    ),
    null,
  );
  assert.equal(occurredAtOf('create', exampleOf('create')), null);
  const garbled = exampleOf('issues');
  obj(garbled['issue'])['updated_at'] = 'yesterday-ish';
  obj(garbled['issue'])['created_at'] = null;
  obj(garbled['issue'])['closed_at'] = null;
  assert.equal(occurredAtOf('issues', garbled), null);
});
