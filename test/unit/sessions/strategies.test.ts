import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, JsonObject } from '../../../src/envelope/event-envelope.js';
import {
  UnknownCustomStrategyError,
  createStrategy,
  entityRepositoryHybridStrategy,
  entityStrategy,
  noOrderingStrategy,
  registerCustomStrategy,
  repositoryStrategy,
  timePartitionedEntityStrategy,
  userStrategy,
  type SessionKeyGenerator,
} from '../../../src/sessions/index.js';
import { envelopeFor } from '../../support/envelopes.js';
import { action, asOctocatHelloWorld, exampleOf } from '../../support/webhook-examples.js';

const obj = (value: unknown) => value as JsonObject;

function pullRequestOpened(number = 123): EventEnvelope {
  const payload = asOctocatHelloWorld(exampleOf('pull_request', action('opened')));
  payload['number'] = number;
  obj(payload['pull_request'])['number'] = number;
  return envelopeFor('pull_request', payload);
}

function issueCommented(number = 456): EventEnvelope {
  const payload = asOctocatHelloWorld(exampleOf('issue_comment', action('created')));
  obj(payload['issue'])['number'] = number;
  return envelopeFor('issue_comment', payload);
}

function pushTo(ref: string): EventEnvelope {
  const payload = asOctocatHelloWorld(exampleOf('push'));
  payload['ref'] = ref;
  return envelopeFor('push', payload);
}

const labelCreated = () => envelopeFor('label', asOctocatHelloWorld(exampleOf('label')));
const installationCreated = () => envelopeFor('installation', exampleOf('installation', action('created')));

test('seed example: PR opened, entity strategy → pr-octocat/Hello-World-123', () => {
  assert.equal(entityStrategy.generateKey(pullRequestOpened(123)), 'pr-octocat/Hello-World-123');
});

test('seed example: issue commented, entity strategy → issue-octocat/Hello-World-456', () => {
  assert.equal(entityStrategy.generateKey(issueCommented(456)), 'issue-octocat/Hello-World-456');
});

test('seed example: push to main, repository strategy → repo-octocat/Hello-World', () => {
  assert.equal(repositoryStrategy.generateKey(pushTo('refs/heads/main')), 'repo-octocat/Hello-World');
});

test('seed example: user strategy → user-octocat/Hello-World-octocat', () => {
  assert.equal(userStrategy.generateKey(pullRequestOpened()), 'user-octocat/Hello-World-octocat');
});

test('none: no key for any event', () => {
  for (const envelope of [pullRequestOpened(), pushTo('refs/heads/main'), labelCreated(), installationCreated()]) {
    assert.equal(noOrderingStrategy.generateKey(envelope), null);
  }
});

test('entity: branch, tag, release and discussion keys; no key without an entity', () => {
  assert.equal(entityStrategy.generateKey(pushTo('refs/heads/main')), 'branch-octocat/Hello-World-main');
  assert.equal(entityStrategy.generateKey(pushTo('refs/tags/v1.2.0')), 'tag-octocat/Hello-World-v1.2.0');
  const release = asOctocatHelloWorld(exampleOf('release', action('published')));
  assert.equal(entityStrategy.generateKey(envelopeFor('release', release)), 'release-octocat/Hello-World-0.0.1');
  const discussion = asOctocatHelloWorld(exampleOf('discussion'));
  obj(discussion['discussion'])['number'] = 7;
  assert.equal(entityStrategy.generateKey(envelopeFor('discussion', discussion)), 'discussion-octocat/Hello-World-7');
  assert.equal(entityStrategy.generateKey(labelCreated()), null);
  assert.equal(entityStrategy.generateKey(installationCreated()), null);
});

test("entity: a PR comment shares its pull request's session", () => {
  const comment = asOctocatHelloWorld(exampleOf('issue_comment', action('created')));
  obj(comment['issue'])['number'] = 123;
  obj(comment['issue'])['pull_request'] = { url: 'https://api.github.com/repos/octocat/Hello-World/pulls/123' };
  assert.equal(entityStrategy.generateKey(envelopeFor('issue_comment', comment)), entityStrategy.generateKey(pullRequestOpened(123)));
});

test('repository: one key per repository, none for account-level events', () => {
  assert.equal(repositoryStrategy.generateKey(pullRequestOpened()), 'repo-octocat/Hello-World');
  assert.equal(repositoryStrategy.generateKey(labelCreated()), 'repo-octocat/Hello-World');
  assert.equal(repositoryStrategy.generateKey(installationCreated()), null);
});

test('user: per repository and sender; none without a repository or a sender', () => {
  const other = pullRequestOpened();
  assert.ok(other.sender);
  other.sender.login = 'hubot';
  assert.equal(userStrategy.generateKey(other), 'user-octocat/Hello-World-hubot');
  assert.equal(userStrategy.generateKey(installationCreated()), null);
  assert.equal(userStrategy.generateKey({ ...pullRequestOpened(), sender: null }), null);
});

test('entity-repository hybrid: the entity key when there is one, else the repository key', () => {
  assert.equal(entityRepositoryHybridStrategy.generateKey(pullRequestOpened(123)), 'pr-octocat/Hello-World-123');
  assert.equal(entityRepositoryHybridStrategy.generateKey(labelCreated()), 'repo-octocat/Hello-World');
  assert.equal(entityRepositoryHybridStrategy.generateKey(installationCreated()), null);
});

test('time-partitioned entity: {entity key}-p{floor(receivedAt epoch seconds / partition seconds)}, from receivedAt, not the clock', () => {
  const hourly = timePartitionedEntityStrategy(3600);
  const at = (iso: string) => {
    const envelope = pullRequestOpened(123);
    envelope.metadata.receivedAt = iso;
    return hourly.generateKey(envelope);
  };
  // 2001-09-09T01:46:40Z is epoch second 1_000_000_000; 1_000_000_000 / 3600 = 277777.7…
  assert.equal(at('2001-09-09T01:46:40.000Z'), 'pr-octocat/Hello-World-123-p277777');
  assert.equal(at('2001-09-09T01:00:00.000Z'), 'pr-octocat/Hello-World-123-p277777', 'same hour, same session');
  assert.equal(at('2001-09-09T01:59:59.999Z'), 'pr-octocat/Hello-World-123-p277777');
  assert.equal(at('2001-09-09T02:00:00.000Z'), 'pr-octocat/Hello-World-123-p277778', 'next hour, next session');
  assert.equal(hourly.generateKey(labelCreated()), null, 'no entity, no key');
});

test('time-partitioned entity from bots.json takes minutes', () => {
  const strategy = createStrategy({ type: 'time-partitioned-entity', params: { partitionMinutes: 15 } });
  const envelope = pullRequestOpened(123);
  envelope.metadata.receivedAt = '2001-09-09T01:46:40.000Z';
  assert.equal(strategy.generateKey(envelope), `pr-octocat/Hello-World-123-p${Math.floor(1_000_000_000 / 900)}`);
  assert.throws(() => timePartitionedEntityStrategy(0), /partitionSeconds/);
});

test("custom: a registered generator, or a factory given the bot's params, referenced by name", () => {
  const byLabel: SessionKeyGenerator = { generateKey: (envelope) => `label-${envelope.repository?.fullName}` };
  registerCustomStrategy('test-by-label', byLabel);
  registerCustomStrategy('test-prefixed', (params) => ({
    generateKey: (envelope) => `${params['prefix']}-${envelope.eventType}`,
  }));

  assert.equal(createStrategy({ type: 'custom', params: { name: 'test-by-label' } }), byLabel);
  const prefixed = createStrategy({ type: 'custom', params: { name: 'test-prefixed', prefix: 'deploys' } });
  assert.equal(prefixed.generateKey(pushTo('refs/heads/main')), 'deploys-push');

  assert.throws(() => registerCustomStrategy('test-by-label', byLabel), /already registered/);
});

test('custom: an unknown name is refused, listing the names that are registered', () => {
  const customs = new Map([['per-team', noOrderingStrategy]]);
  assert.throws(
    () => createStrategy({ type: 'custom', params: { name: 'per-tem' } }, customs),
    (error: unknown) => error instanceof UnknownCustomStrategyError && /"per-tem"/.test(error.message) && /"per-team"/.test(error.message),
  );
});
