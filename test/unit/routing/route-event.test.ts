import { test } from 'node:test';
import assert from 'node:assert/strict';
import { botsFileSchema } from '../../../src/bots/bot-config-schema.js';
import { createBotRegistry } from '../../../src/bots/bot-registry.js';
import { BotsConfigError } from '../../../src/bots/bots-config-error.js';
import { loadBots } from '../../../src/bots/load-bots.js';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { routeEvent } from '../../../src/routing/route-event.js';
import { normalizeSessionId } from '../../../src/sessions/normalize-session-id.js';
import { envelopeFor } from '../../support/envelopes.js';
import { action, asOctocatHelloWorld, exampleOf } from '../../support/webhook-examples.js';

const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

function registryOf(bots: object[]) {
  return createBotRegistry(botsFileSchema.parse({ bots }).bots);
}

const issueOpened = () => envelopeFor('issues', asOctocatHelloWorld(exampleOf('issues', action('opened'))));

test('issues.opened goes to bots listening on "issues", "issues.*" and "issues.opened", not to one excluding it', () => {
  const registry = registryOf([
    { name: 'all-issues', queue: 'q-1', events: ['issues'] },
    { name: 'issues-star', queue: 'q-2', events: ['issues.*'] },
    { name: 'issues-opened', queue: 'q-3', events: ['issues.opened'] },
    { name: 'not-opened', queue: 'q-4', events: ['*', '!issues.opened'] },
    { name: 'issues-closed', queue: 'q-5', events: ['issues.closed'] },
  ]);
  assert.deepEqual(
    routeEvent(issueOpened(), registry).map((route) => route.bot),
    ['all-issues', 'issues-star', 'issues-opened'],
  );
  // "!issues.opened" on its own would take nothing at all: refused when the bots are loaded.
  assert.throws(() => registryOf([{ name: 'only-not', queue: 'q-6', events: ['!issues.opened'] }]), BotsConfigError);
});

test("a route carries the bot's queue, its session id (none for strategy none: a plain queue), and the delivery id as message id", () => {
  const registry = registryOf([
    { name: 'by-entity', queue: 'bot-entity', events: ['issues'], strategy: { type: 'entity' } },
    { name: 'unordered', queue: 'bot-unordered', events: ['issues'], strategy: { type: 'none' } },
  ]);
  const envelope = issueOpened();
  const number = String((envelope.payload['issue'] as JsonObject)['number']);
  assert.deepEqual(routeEvent(envelope, registry), [
    { bot: 'by-entity', queue: 'bot-entity', sessionId: `issue-octocat/Hello-World-${number}`, messageId: DELIVERY, ordered: true },
    { bot: 'unordered', queue: 'bot-unordered', sessionId: undefined, messageId: DELIVERY, ordered: false },
  ]);
});

test('the shipped bots: pull_request.opened goes to all five, each in its own kind of session', () => {
  const payload = asOctocatHelloWorld(exampleOf('pull_request', action('opened')));
  (payload['pull_request'] as JsonObject)['number'] = 123;
  const routes = routeEvent(envelopeFor('pull_request', payload), loadBots());
  assert.deepEqual(
    routes.map(({ bot, queue, sessionId, ordered }) => [bot, queue, sessionId, ordered]),
    [
      ['task-tactician', 'bot-task-tactician', 'pr-octocat/Hello-World-123', true],
      ['merge-warden', 'bot-merge-warden', 'pr-octocat/Hello-World-123', true],
      ['spec-sentinel', 'bot-spec-sentinel', 'repo-octocat/Hello-World', true],
      ['security-scanner', 'bot-security-scanner', 'repo-octocat/Hello-World', true],
      ['dependency-updater', 'bot-dependency-updater', 'pr-octocat/Hello-World-123', true],
    ],
  );
});

test('the shipped bots: a PR label change skips the bots that only watch opened/synchronize', () => {
  const routes = routeEvent(envelopeFor('pull_request', exampleOf('pull_request', action('labeled'))), loadBots());
  assert.deepEqual(
    routes.map((route) => route.bot),
    ['task-tactician', 'merge-warden', 'dependency-updater'],
  );
});

test('a strategy with no key for the event still routes, in a session of its own (the delivery id)', () => {
  const registry = registryOf([{ name: 'per-repo', queue: 'q-1', events: ['*'], strategy: { type: 'repository' } }]);
  const [route] = routeEvent(envelopeFor('installation', exampleOf('installation', action('created'))), registry);
  assert.deepEqual(route, { bot: 'per-repo', queue: 'q-1', sessionId: DELIVERY, messageId: DELIVERY, ordered: false });
});

test('a key over 128 characters is sent as its normalised session id', () => {
  const payload = asOctocatHelloWorld(exampleOf('push', (payload) => payload['ref'] === 'refs/heads/master'));
  const branch = `renovate/${'very-long-dependency-name-'.repeat(8)}`;
  payload['ref'] = `refs/heads/${branch}`;
  const [route] = routeEvent(envelopeFor('push', payload), registryOf([{ name: 'per-branch', queue: 'q-1', events: ['push'] }]));
  assert.equal(route?.sessionId, normalizeSessionId(`branch-octocat/Hello-World-${branch}`));
  assert.equal(route?.sessionId.length, 128);
});

test('repository filters decide which repositories reach a bot', () => {
  const registry = registryOf([
    { name: 'octocat-only', queue: 'q-1', events: ['issues'], repositories: ['octocat/*', '!octocat/secret'] },
    { name: 'everywhere', queue: 'q-2', events: ['issues'] },
  ]);
  assert.deepEqual(
    routeEvent(issueOpened(), registry).map((route) => route.bot),
    ['octocat-only', 'everywhere'],
  );
  const elsewhere = envelopeFor('issues', exampleOf('issues', action('opened'))); // Codertocat/Hello-World
  assert.deepEqual(
    routeEvent(elsewhere, registry).map((route) => route.bot),
    ['everywhere'],
  );
});

test('an event no bot listens to has no routes', () => {
  assert.deepEqual(routeEvent(envelopeFor('star', exampleOf('star')), loadBots()), []);
});
