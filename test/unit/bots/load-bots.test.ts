import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BotsConfigError } from '../../../src/bots/bots-config-error.js';
import { checkRetryBudgets } from '../../../src/bots/check-retry-budgets.js';
import { readFunctionTimeoutMs } from '../../../src/config/read-function-timeout.js';
import { loadBots } from '../../../src/bots/load-bots.js';
import { createStandardSessionManager, noOrderingStrategy } from '../../../src/sessions/index.js';
import { envelopeFor } from '../../support/envelopes.js';
import { action, exampleOf } from '../../support/webhook-examples.js';
import shipped from '../../../src/bots/bots.json' with { type: 'json' };

const shippedCopy = () => structuredClone(shipped) as { bots: Record<string, unknown>[] };

function assertRefused(json: unknown, ...expectedLines: (string | RegExp)[]): BotsConfigError {
  let caught: unknown;
  assert.throws(
    () => loadBots({ json }),
    (error: unknown) => ((caught = error), error instanceof BotsConfigError),
  );
  const error = caught as BotsConfigError;
  for (const expected of expectedLines) {
    if (typeof expected === 'string')
      assert.ok(
        error.message.split('\n').some((line) => line.startsWith(expected)),
        `${expected}\nin:\n${error.message}`,
      );
    else assert.match(error.message, expected);
  }
  return error;
}

test("the shipped bots.json loads with the seed's values", () => {
  const registry = loadBots();
  const limits = Object.fromEntries(
    registry.bots.map((bot) => [
      bot.name,
      [bot.strategy.type, bot.session.maxSessionDuration.ms, bot.session.maxMessagesPerSession, bot.session.sessionTimeout.ms],
    ]),
  );
  const hours = 3_600_000;
  const minutes = 60_000;
  assert.deepEqual(limits, {
    'task-tactician': ['entity', 2 * hours, 1000, 30 * minutes],
    'merge-warden': ['entity', 1 * hours, 500, 15 * minutes],
    'spec-sentinel': ['repository', 4 * hours, 2000, 1 * hours],
    'security-scanner': ['repository', 2 * hours, 1000, 30 * minutes],
    'dependency-updater': ['entity-repository-hybrid', 2 * hours, 1000, 30 * minutes],
  });
  assert.equal(registry.byName('merge-warden')?.queue, 'bot-merge-warden');
  assert.equal(registry.byName('nobody'), undefined);
  assert.equal(registry.bots[0]?.session.maxSessionDuration.iso, 'PT2H', 'the ISO text is kept for Bicep');
});

test("the shipped bots get the same session keys as the seed's standard SessionManager", () => {
  const registry = loadBots();
  const standard = createStandardSessionManager();
  for (const envelope of [
    envelopeFor('pull_request', exampleOf('pull_request', action('opened'))),
    envelopeFor('push', exampleOf('push')),
    envelopeFor('label', exampleOf('label')),
  ]) {
    for (const bot of registry.bots) {
      assert.equal(
        registry.sessionManager.generateSessionKey(bot.name, envelope),
        standard.generateSessionKey(bot.name, envelope),
        bot.name,
      );
    }
  }
});

test('a bad duration is refused naming the file, the bot and the field', () => {
  const json = shippedCopy();
  (json.bots[1]!['session'] as Record<string, unknown>)['maxSessionDuration'] = '1 hour';
  const error = assertRefused(
    json,
    'bots.json: bot "merge-warden" (bots[1]) session.maxSessionDuration: must be a positive ISO 8601 duration',
  );
  assert.match(error.message, /"1 hour"/);
});

test('delivery.retryDelay (PT1S) and maxRetryDuration (PT4M, PT0S = off) have defaults, and a bad one is refused naming the field', () => {
  assert.deepEqual(
    loadBots().bots.map((bot) => bot.delivery.retryDelay.ms),
    [1_000, 1_000, 1_000, 1_000, 1_000],
  );
  assert.deepEqual(
    loadBots().bots.map((bot) => bot.delivery.maxRetryDuration.ms),
    [240_000, 240_000, 240_000, 240_000, 240_000],
  );
  const off = shippedCopy();
  off.bots[0]!['delivery'] = { maxRetryDuration: 'PT0S' };
  assert.equal(loadBots({ json: off }).bots[0]!.delivery.maxRetryDuration.ms, 0);
  const bad = shippedCopy();
  bad.bots[1]!['delivery'] = { retryDelay: 'PT0S', maxRetryDuration: '4m' };
  assertRefused(
    bad,
    'bots.json: bot "merge-warden" (bots[1]) delivery.retryDelay: must be a positive ISO 8601 duration',
    'bots.json: bot "merge-warden" (bots[1]) delivery.maxRetryDuration: must be an ISO 8601 duration',
  );
});

test('a retry budget that does not fit in functionTimeout stops start-up naming the bot and the field', () => {
  const json = shippedCopy();
  json.bots[1]!['delivery'] = { maxRetryDuration: 'PT10M' };
  json.bots[2]!['delivery'] = { maxRetryDuration: 'PT4M55S' };
  json.bots[2]!['target'] = { type: 'http', url: 'https://bot.example/webhooks', timeoutMs: 10_000 };
  const bots = loadBots({ json }).bots;
  assert.throws(
    () => checkRetryBudgets(bots, 5 * 60_000),
    (error: unknown) =>
      error instanceof BotsConfigError &&
      error.problems.length === 2 &&
      error.message.includes(
        'bots.json: bot "merge-warden" (bots[1]) delivery.maxRetryDuration: PT10M must fit in host.json functionTimeout (300 s)',
      ) &&
      error.message.includes(
        `bot "spec-sentinel" (bots[2]) delivery.maxRetryDuration: PT4M55S plus the http target's timeoutMs (10000 ms) must fit`,
      ),
  );
  checkRetryBudgets(loadBots().bots, 5 * 60_000);
  checkRetryBudgets(bots, Infinity);
});

test('the shipped bots fit the shipped host.json, and together tolerate a 30-minute target outage', () => {
  const functionTimeoutMs = readFunctionTimeoutMs(fileURLToPath(new URL('../../../../host.json', import.meta.url)), {});
  for (const bot of loadBots().bots) {
    checkRetryBudgets([bot], functionTimeoutMs);
    assert.ok(bot.delivery.maxDeliveryCount * bot.delivery.maxRetryDuration.ms >= 30 * 60_000, bot.name);
  }
});

test('every problem is reported at once, one line each', () => {
  const json = shippedCopy();
  json.bots[0]!['strategy'] = { type: 'by-magic' };
  delete json.bots[2]!['queue'];
  json.bots[3]!['events'] = ['pushes!'];
  json.bots[4]!['name'] = 'Dependency Updater';
  const error = assertRefused(
    json,
    'bots.json: bot "task-tactician" (bots[0]) strategy.type:',
    'bots.json: bot "spec-sentinel" (bots[2]) queue: is required (a string)',
    'bots.json: bot "security-scanner" (bots[3]) events[0]: must be "event", "event.action"',
    'bots.json: bot "Dependency Updater" (bots[4]) name: must be 2-49 lower-case letters',
  );
  assert.equal(error.problems.length, 4);
});

test('duplicate names or queues, unknown keys and an empty list are refused', () => {
  const json = shippedCopy();
  json.bots[1]!['queue'] = 'bot-task-tactician';
  (json.bots[2]!['session'] as Record<string, unknown>)['maxSesionDuration'] = 'PT1H';
  assertRefused(
    json,
    'bots.json: bot "merge-warden" (bots[1]) queue: duplicates the queue of bots[0]',
    /bot "spec-sentinel" \(bots\[2\]\) session: .*maxSesionDuration/,
  );
  assertRefused({ bots: [] }, 'bots.json: bots: must define at least one bot');
  assertRefused({ robots: [] }, /bots\.json: .*robots/);
});

test('an unknown strategy or target type is refused naming the value given and the ones allowed', () => {
  const json = shippedCopy();
  json.bots[1]!['strategy'] = { type: 'per-pr' };
  json.bots[2]!['target'] = { type: 'webhook' };
  assertRefused(
    json,
    /bot "merge-warden" \(bots\[1\]\) strategy\.type: .*'entity'.*got "per-pr"$/m,
    /bot "spec-sentinel" \(bots\[2\]\) target\.type: .*'http'.*got "webhook"$/m,
  );
});

test('an unregistered custom strategy stops start-up, naming the bot', () => {
  const json = shippedCopy();
  json.bots[4]!['strategy'] = { type: 'custom', params: { name: 'per-ecosystem' } };
  assert.throws(
    () => loadBots({ json, customs: new Map([['per-team', noOrderingStrategy]]) }),
    (error: unknown) =>
      error instanceof BotsConfigError &&
      error.message.startsWith(
        'bots.json: bot "dependency-updater" (bots[4]) strategy.params.name: no custom strategy named "per-ecosystem"',
      ) &&
      error.message.includes('"per-team"'),
  );
  const registry = loadBots({ json, customs: new Map([['per-ecosystem', noOrderingStrategy]]) });
  assert.equal(registry.sessionManager.strategyFor('dependency-updater'), noOrderingStrategy);
});

test('an events list of exclusions only is refused', () => {
  const json = shippedCopy();
  json.bots[0]!['events'] = ['!issues.deleted'];
  assertRefused(json, 'bots.json: bot "task-tactician" (bots[0]) events: lists only exclusions');
});

test('BOTS_CONFIG_PATH: a file elsewhere is read, and named in errors', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'bots-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, 'my-bots.json');

  writeFileSync(
    path,
    JSON.stringify({ bots: [{ name: 'greeter', queue: 'bot-greeter', events: ['issues.opened'], strategy: { type: 'none' } }] }),
  );
  const registry = loadBots({ path });
  assert.deepEqual(
    registry.bots.map((bot) => [bot.name, bot.strategy.type, bot.session.maxMessagesPerSession]),
    [['greeter', 'none', 1000]],
  );
  assert.equal(registry.source, path);

  writeFileSync(path, '{ "bots": [ ');
  assert.throws(
    () => loadBots({ path }),
    (error: unknown) => error instanceof BotsConfigError && error.message.startsWith(`${path}: not valid JSON`),
  );

  const missing = join(directory, 'nope.json');
  assert.throws(
    () => loadBots({ path: missing }),
    (error: unknown) => error instanceof BotsConfigError && error.message.startsWith(`${missing}: cannot read`),
  );
});

test('enableSessionAffinity is not a setting (Service Bus sessions always give one receiver per session): a bots.json naming it is refused, naming the key', () => {
  const bot = {
    name: 'affine',
    queue: 'bot-affine',
    events: ['push'],
    target: { type: 'journal' },
    session: { enableSessionAffinity: false },
  };
  assert.throws(() => botDefinitionSchema.parse(bot), /enableSessionAffinity/);
});

test('an event name GitHub never sends is refused at start-up with the nearest real one (it would route nothing)', () => {
  const json = shippedCopy();
  json.bots[0]!['events'] = [
    'push',
    'pull_requests',
    'issue.opened',
    'pull_request.open',
    '!pull_requests.*',
    'push.created',
    'no_such_thing',
  ];
  const error = assertRefused(
    json,
    'bots.json: bot "task-tactician" (bots[0]) events[1]: unknown event "pull_requests" — did you mean "pull_request"?',
    'bots.json: bot "task-tactician" (bots[0]) events[2]: unknown event "issue.opened" — did you mean "issues.opened"?',
    'bots.json: bot "task-tactician" (bots[0]) events[3]: unknown action in "pull_request.open" — did you mean "pull_request.opened"?',
    'bots.json: bot "task-tactician" (bots[0]) events[4]: unknown event "!pull_requests.*" — did you mean "!pull_request.*"?',
    'bots.json: bot "task-tactician" (bots[0]) events[5]: unknown event "push.created": "push" has no actions, use "push"',
    /events\[6\]: unknown event "no_such_thing" \(see https:\/\/docs\.github\.com\/en\/webhooks\/webhook-events-and-payloads\)/,
  );
  assert.equal(error.problems.length, 6, 'push (events[0]) is fine');
});

test('the shipped bots, wildcards, exclusions and real event.action names still load', () => {
  assert.doesNotThrow(() => loadBots());
  const everyExample = shippedCopy();
  everyExample.bots[0]!['events'] = ['*', 'ping', 'installation_repositories.added', 'pull_request_review_thread.*', '!star'];
  assert.doesNotThrow(() => loadBots({ json: everyExample }));
});

test('cardinality is "one" unless a bot asks for "many" (any strategy); another value is refused naming the bot and the value', () => {
  const json = shippedCopy();
  json.bots[0]!['cardinality'] = 'many';
  const bots = loadBots({ json }).bots;
  assert.equal(bots[0]!.cardinality, 'many');
  assert.ok(bots.slice(1).every((bot) => bot.cardinality === 'one'));
  assert.equal(
    botDefinitionSchema.parse({ name: 'fire-hose', queue: 'bot-fire-hose', events: ['*'], strategy: { type: 'none' }, cardinality: 'many' })
      .cardinality,
    'many',
  );
  json.bots[1]!['cardinality'] = 'batch';
  assertRefused(json, /^bots\.json: bot "merge-warden" \(bots\[1\]\) cardinality: .*"one".*"many".*got "batch"$/m);
});
