import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeployRefusal } from '../../../tools/scripts/deploy/az.js';
import { listPackageFiles, stageApp } from '../../../tools/scripts/deploy/package-app.js';
import {
  checkPackageLoad,
  loadPackage,
  verificationSettings,
  verifyPackageLoads,
  type IndexedBinding,
  type PackageLoad,
} from '../../../tools/scripts/deploy/verify-package-loads.js';
import { createApp } from '../../../src/app/create-app.js';
import { repoRoot } from '../../support/bicep-cli.js';

/**
 * The package exactly as `npm run deploy` builds it (stageApp: .funcignore, `npm ci
 * --omit=dev`), loaded as the Functions worker loads it. If production code imports anything
 * the package leaves out (tools/, test/, dev dependencies), this fails.
 */
let workDir: string;
let stage: string;
let load: PackageLoad;
const shippedBots = JSON.parse(await readFile(join(repoRoot, 'src/bots/bots.json'), 'utf8')) as {
  bots: Array<{ name: string; queue: string }>;
};

before(async () => {
  // npm ci from the cache without asking the registry whether each cached entry is still current
  // (https://docs.npmjs.com/cli/v11/using-npm/config#prefer-offline): the lock file pins every
  // version and integrity, so the tree is the same; only the revalidation round trips go.
  process.env.npm_config_prefer_offline = 'true';
  workDir = await mkdtemp(join(tmpdir(), 'package-loads-'));
  stage = await stageApp(repoRoot, workDir, () => undefined);
  load = await loadPackage(stage);
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function trigger(name: string): IndexedBinding {
  const fn = load.functions.find((f) => f.name === name);
  assert.ok(fn, `the host indexes ${name}; it indexes: ${load.functions.map((f) => f.name).join(', ')}`);
  const binding = Object.values(fn.bindings).find((b) => /trigger$/i.test(b.type));
  assert.ok(binding, `${name} has a trigger binding`);
  return binding;
}

test('the package holds the built app and none of the development code', async () => {
  const files = await listPackageFiles(repoRoot);
  assert.ok(files.some((f) => /^dist\/src\/functions\/[^/]+\.js$/.test(f)));
  const leaked = files.filter((f) => /^(dist\/(tools|test|infra)\/|dist\/\.tsbuildinfo$|src\/|tools\/|test\/|local\.settings)/.test(f));
  assert.deepEqual(leaked, []);
});

test('every file of package.json "main" loads from the package with production dependencies only', () => {
  assert.ok(load.files.length >= 4, `main matched ${load.files.join(', ')}`);
  assert.deepEqual(load.failures, []);
  assert.equal(load.programmingModel?.name, '@azure/functions');
});

test('with APPLICATIONINSIGHTS_CONNECTION_STRING the package loads and starts Application Insights from its production dependencies', async () => {
  // The SDK is loaded only when telemetry is configured (src/telemetry/create-telemetry.ts): the load above never reaches it.
  const withTelemetry = await loadPackage(stage, {
    ...verificationSettings,
    // Loopback where nothing listens: whatever the exporter tries stays on this machine.
    APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  });
  assert.deepEqual(withTelemetry.failures, []);
  assert.ok(withTelemetry.functions.some((f) => f.name === 'github-webhook'));
});

test('the host indexes the webhook: POST github/webhooks, anonymous', () => {
  const webhook = trigger('github-webhook');
  assert.equal(webhook.type, 'httpTrigger');
  assert.equal(webhook.direction, 'in');
  assert.deepEqual(webhook.methods, ['POST']);
  assert.equal(webhook.route, 'github/webhooks');
  assert.equal(webhook.authLevel, 'anonymous');
});

test('the host indexes one session-enabled Service Bus trigger per bot in bots.json', () => {
  assert.ok(shippedBots.bots.length > 0);
  for (const bot of shippedBots.bots) {
    const queue = trigger(`bot-${bot.name}`);
    assert.equal(queue.type, 'serviceBusTrigger');
    assert.equal(queue.connection, 'ServiceBusConnection');
    assert.equal(queue.queueName, bot.queue);
    assert.equal(queue.isSessionsEnabled, true);
    assert.equal(queue.cardinality, 'one', `bot-${bot.name}: the shipped bots take one message per invocation`);
  }
  const queueFunctions = load.functions.filter((f) => Object.values(f.bindings).some((b) => b.type === 'serviceBusTrigger'));
  assert.equal(queueFunctions.length, shippedBots.bots.length, 'no Service Bus trigger beyond the bots');
});

test('a bot with cardinality "many" in the bots file the app is given (BOTS_CONFIG_PATH) is indexed as a batch trigger; the others stay "one"', async () => {
  const bots: { bots: Array<Record<string, unknown> & { name: string; queue: string }> } = structuredClone(shippedBots);
  bots.bots[0]!['cardinality'] = 'many';
  const botsPath = join(workDir, 'bots-with-batches.json');
  await writeFile(botsPath, JSON.stringify(bots));
  const batched = await loadPackage(stage, { ...verificationSettings, BOTS_CONFIG_PATH: botsPath });
  assert.deepEqual(batched.failures, []);
  const cardinalityOf = (name: string) =>
    Object.values(batched.functions.find((f) => f.name === `bot-${name}`)?.bindings ?? {}).find((b) => b.type === 'serviceBusTrigger')
      ?.cardinality;
  assert.equal(cardinalityOf(bots.bots[0]!.name), 'many');
  for (const bot of bots.bots.slice(1)) assert.equal(cardinalityOf(bot.name), 'one', bot.name);
  assert.doesNotThrow(() => checkPackageLoad(batched, bots));
  // The deploy check refuses a package whose trigger does not match the bots file it ships.
  assert.throws(
    () => checkPackageLoad(load, bots),
    new RegExp(`bot ${bots.bots[0]!.name} has cardinality "many" in bots.json, but its trigger is registered with "one"`),
  );
});

test('the host indexes the janitor timer on its schedule', () => {
  const janitor = trigger('session-janitor');
  assert.equal(janitor.type, 'timerTrigger');
  assert.equal(janitor.schedule, '0 */1 * * * *');
  assert.equal(janitor.runOnStartup, false);
});

test('the host indexes the dead-letter count timer, and each function once', () => {
  assert.equal(trigger('deadletter-count').type, 'timerTrigger');
  // Catch-up redelivery registers only when GitHub credentials are configured (none are here).
  assert.ok(!load.functions.some((f) => f.name === 'webhook-redelivery'));
  const names = load.functions.map((f) => f.name);
  assert.deepEqual(
    names.filter((name, i) => names.indexOf(name) !== i),
    [],
    'no function registered twice',
  );
});

test('every function the app defines is indexed by the host: none is left out of src/functions', async () => {
  const app = createApp({ env: { ...verificationSettings } });
  try {
    const indexed = new Set(load.functions.map((f) => f.name));
    const missing = app.definitions.map((d) => d.name).filter((name) => !indexed.has(name));
    assert.deepEqual(missing, [], 'defined by createApp but registered by no file of package.json "main"');
  } finally {
    await app.close();
  }
});

test('the admin functions need a function key', () => {
  const admin = load.functions.filter(
    (f) => f.name !== 'github-webhook' && Object.values(f.bindings).some((b) => b.type === 'httpTrigger'),
  );
  const names = admin.map((f) => f.name);
  for (const expected of [
    'sessions-list',
    'sessions-get',
    'sessions-close',
    'poison-list',
    'poison-get',
    'held-list',
    'held-get',
    'held-resume',
    'deadletters-list',
    'deadletters-resubmit',
    'deadletters-discard',
  ]) {
    assert.ok(names.includes(expected), `admin function ${expected} is indexed (indexed: ${names.join(', ')})`);
  }
  for (const name of names) assert.equal(trigger(name).authLevel, 'function', `${name} is authLevel function`);
});

test('the app closes its connections when the host shuts it down (appTerminate hook)', () => {
  assert.ok(load.hooks.includes('appTerminate'), `hooks registered: ${load.hooks.join(', ') || 'none'}`);
});

test('deploy refuses a package in which a function file does not load, naming the file', async () => {
  assert.ok(await verifyPackageLoads(stage));
  // A function file that imports development code, as storage-clients.ts once did.
  const broken = join(stage, 'dist/src/functions/zz-imports-local.js');
  await writeFile(broken, "import '../local/start-azurite.js';\n");
  try {
    await assert.rejects(verifyPackageLoads(stage), (error: unknown) => {
      assert.ok(error instanceof DeployRefusal);
      assert.match(error.message, /dist\/src\/functions\/zz-imports-local\.js does not load: .*ERR_MODULE_NOT_FOUND|Cannot find module/);
      assert.match(error.message, /nothing was uploaded/);
      return true;
    });
  } finally {
    await rm(broken);
  }
});
