import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotsConfigError } from '../../../src/bots/bots-config-error.js';
import { createApp } from '../../../src/app/create-app.js';
import { registerWithFunctionsHost } from '../../../src/app/register-with-functions-host.js';
import type { FunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { readSettings } from '../../../src/config/settings.js';

// Nothing listens on these: creating the app must not connect to anything.
const offlineEnv = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  GITHUB_WEBHOOK_SECRET: 'test-secret',
};

function botsFile(transform: (bots: Array<Record<string, unknown>>) => void): string {
  const shipped = JSON.parse(readFileSync('src/bots/bots.json', 'utf8')) as { bots: Array<Record<string, unknown>> };
  transform(shipped.bots);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bots-')), 'bots.json');
  writeFileSync(file, JSON.stringify(shipped));
  return file;
}

test('the app is every function once: the webhook, a session trigger per bot, the janitor and the admin endpoints', async () => {
  const app = createApp({ env: offlineEnv });
  try {
    const names = app.definitions.map((d) => d.name);
    assert.equal(new Set(names).size, names.length, `duplicate function names: ${names.join(', ')}`);

    const webhook = app.definitions.find((d) => d.name === 'github-webhook');
    assert.deepEqual(webhook && webhook.kind === 'http' && [webhook.route, webhook.methods, webhook.authLevel], [
      'github/webhooks',
      ['POST'],
      'anonymous',
    ]);

    const queues = app.definitions.filter((d) => d.kind === 'serviceBusQueue');
    assert.deepEqual(
      queues.map((d) => d.kind === 'serviceBusQueue' && [d.name, d.queueName, d.isSessionsEnabled, d.connection]),
      app.registry.bots.map((bot) => [`bot-${bot.name}`, bot.queue, true, 'ServiceBusConnection']),
    );
    assert.deepEqual(
      app.definitions.filter((d) => d.kind === 'timer').map((d) => d.name),
      ['session-janitor', 'deadletter-count'],
    );
    const admin = app.definitions.filter((d) => d.kind === 'http' && d.name !== 'github-webhook');
    assert.ok(admin.length >= 3);
    assert.ok(
      admin.every((d) => d.kind === 'http' && d.authLevel === 'function'),
      'admin endpoints need a function key',
    );
  } finally {
    await app.close();
  }
});

test('a retry budget longer than functionTimeout stops the app, naming the bot and the field', () => {
  const file = botsFile((bots) => {
    bots[1]!['delivery'] = { maxRetryDuration: 'PT6M' };
  });
  assert.throws(
    () => createApp({ env: { ...offlineEnv, BOTS_CONFIG_PATH: file } }),
    (error: unknown) =>
      error instanceof BotsConfigError &&
      /bot "merge-warden" \(bots\[1\]\) delivery\.maxRetryDuration: PT6M must fit in host\.json functionTimeout \(300 s\)/.test(
        error.message,
      ),
  );
});

test('a bot with strategy none reaches the Functions host as a trigger without sessions; the others keep theirs', async () => {
  const file = botsFile((bots) => {
    bots[2]!.strategy = { type: 'none' };
  });
  const app = createApp({ env: { ...offlineEnv, BOTS_CONFIG_PATH: file } });
  const calls: Array<[string, Record<string, unknown>]> = [];
  const record = (name: string, options: object) => void calls.push([name, options as Record<string, unknown>]);
  registerWithFunctionsHost(app.definitions, { http: () => undefined, serviceBusQueue: record, timer: () => undefined });
  await app.close();
  assert.deepEqual(
    calls.map(([name, options]) => [name, options.isSessionsEnabled]),
    [
      ['bot-task-tactician', true],
      ['bot-merge-warden', true],
      ['bot-spec-sentinel', false],
      ['bot-security-scanner', true],
      ['bot-dependency-updater', true],
    ],
  );
});

test('a bots.json with an error stops the app before anything connects, naming the bot and the field', () => {
  const file = botsFile((bots) => {
    bots[1]!.session = { maxSessionDuration: 'one hour' };
  });
  assert.throws(() => createApp({ env: { ...offlineEnv, BOTS_CONFIG_PATH: file } }), /merge-warden.*maxSessionDuration/s);
});

test('an http target whose secret setting is missing stops the app, naming the setting', () => {
  const file = botsFile((bots) => {
    bots[0]!.target = { type: 'http', url: 'https://bots.example.test/hook', secretSetting: 'TASK_TACTICIAN_SECRET' };
  });
  const env = { ...offlineEnv, BOTS_CONFIG_PATH: file };
  assert.throws(() => createApp({ env, settings: readSettings(env) }), /TASK_TACTICIAN_SECRET/);
});

test('each definition reaches the Functions host with the options the host reads', async () => {
  const app = createApp({ env: offlineEnv });
  const calls: Array<[string, string, Record<string, unknown>]> = [];
  const record = (kind: string) => (name: string, options: object) => void calls.push([kind, name, options as Record<string, unknown>]);
  registerWithFunctionsHost(app.definitions, { http: record('http'), serviceBusQueue: record('serviceBusQueue'), timer: record('timer') });
  await app.close();

  assert.deepEqual(
    calls.map(([kind, name]) => [kind, name]),
    app.definitions.map((d: FunctionDefinition) => [d.kind, d.name]),
  );
  const bot = calls.find(([, name]) => name === 'bot-merge-warden')![2];
  assert.deepEqual(
    [bot.connection, bot.queueName, bot.isSessionsEnabled, typeof bot.handler],
    ['ServiceBusConnection', 'bot-merge-warden', true, 'function'],
  );
  const janitor = calls.find(([, name]) => name === 'session-janitor')![2];
  assert.equal(janitor.schedule, '0 */1 * * * *');
  const webhook = calls.find(([, name]) => name === 'github-webhook')![2];
  assert.deepEqual([webhook.route, webhook.authLevel], ['github/webhooks', 'anonymous']);
});
