import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BotDefinition } from '../../../src/bots/bot-config-schema.js';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import type { EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { SessionManager, createStandardSessionManager, userStrategy } from '../../../src/sessions/index.js';
import { createBotRegistry } from '../../../src/bots/bot-registry.js';
import { BotsConfigError } from '../../../src/bots/bots-config-error.js';
import type { CustomStrategies } from '../../../src/sessions/index.js';
import { envelopeFor } from '../../support/envelopes.js';
import { action, asOctocatHelloWorld, exampleOf } from '../../support/webhook-examples.js';

const prOpened = (): EventEnvelope => {
  const payload = asOctocatHelloWorld(exampleOf('pull_request', action('opened')));
  (payload['pull_request'] as { number: number }).number = 123;
  return envelopeFor('pull_request', payload);
};
const labelCreated = () => envelopeFor('label', asOctocatHelloWorld(exampleOf('label')));

test("the standard manager orders the seed's five bots as the seed says", () => {
  const manager = createStandardSessionManager();
  const pr = prOpened();
  assert.equal(manager.generateSessionKey('task-tactician', pr), 'pr-octocat/Hello-World-123');
  assert.equal(manager.generateSessionKey('merge-warden', pr), 'pr-octocat/Hello-World-123');
  assert.equal(manager.generateSessionKey('spec-sentinel', pr), 'repo-octocat/Hello-World');
  assert.equal(manager.generateSessionKey('security-scanner', pr), 'repo-octocat/Hello-World');
  assert.equal(manager.generateSessionKey('dependency-updater', pr), 'pr-octocat/Hello-World-123');
  assert.equal(manager.generateSessionKey('dependency-updater', labelCreated()), 'repo-octocat/Hello-World');
  assert.equal(manager.supportsOrdering('merge-warden', labelCreated()), false, 'entity strategy, no entity');
});

test('a bot with no registered strategy gets the default: no ordering', () => {
  const manager = createStandardSessionManager();
  assert.equal(manager.generateSessionKey('notification-bot', prOpened()), null);
  assert.equal(manager.supportsOrdering('notification-bot', prOpened()), false);
  assert.equal(manager.supportsOrdering('task-tactician', prOpened()), true);
});

test('registering a strategy for a bot replaces its previous one', () => {
  const manager = new SessionManager().registerBotStrategy('greeter', userStrategy);
  assert.equal(manager.generateSessionKey('greeter', prOpened()), 'user-octocat/Hello-World-octocat');
  manager.registerBotStrategy('greeter', { generateKey: () => 'fixed' });
  assert.equal(manager.generateSessionKey('greeter', prOpened()), 'fixed');
});

const bot = (input: object): BotDefinition => botDefinitionSchema.parse({ queue: 'bot-q', events: ['*'], ...input });

// The app's manager is the bot registry's: one place builds the strategies from bots.json.
const managerFor = (bots: BotDefinition[], customs: CustomStrategies) => createBotRegistry(bots, { customs }).sessionManager;

test("the bot registry's manager builds each bot's strategy from its bots.json entry", () => {
  const manager = managerFor(
    [
      bot({ name: 'by-user', queue: 'bot-a', strategy: { type: 'user' } }),
      bot({ name: 'by-team', queue: 'bot-b', strategy: { type: 'custom', params: { name: 'team' } } }),
      bot({ name: 'defaulted', queue: 'bot-c' }),
    ],
    new Map([['team', { generateKey: () => 'team-platform' }]]),
  );
  assert.equal(manager.generateSessionKey('by-user', prOpened()), 'user-octocat/Hello-World-octocat');
  assert.equal(manager.generateSessionKey('by-team', prOpened()), 'team-platform');
  assert.equal(manager.generateSessionKey('defaulted', prOpened()), 'pr-octocat/Hello-World-123', 'bots.json defaults to entity');
  const withSeedParams = managerFor(
    [
      bot({
        name: 'by-prefix',
        strategy: { type: 'custom', params: { name: 'prefixed', prefix: 'from-strategy' } },
        session: { strategyParams: { prefix: 'from-session', suffix: 'from-session' } },
      }),
    ],
    new Map([
      ['prefixed', (params: Readonly<Record<string, string>>) => ({ generateKey: () => `${params['prefix']}:${params['suffix']}` })],
    ]),
  );
  assert.equal(
    withSeedParams.generateSessionKey('by-prefix', prOpened()),
    'from-strategy:from-session',
    "the seed's session.strategyParams reach a custom strategy",
  );
  assert.throws(
    () => managerFor([bot({ name: 'lost-bot', strategy: { type: 'custom', params: { name: 'nope' } } })], new Map()),
    (error: unknown) =>
      error instanceof BotsConfigError && /bot "lost-bot" \(bots\[0\]\) strategy\.params\.name: .*nope/.test(error.message),
  );
});
