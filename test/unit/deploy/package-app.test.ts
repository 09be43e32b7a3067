import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DeployRefusal } from '../../../tools/scripts/deploy/az.js';
import { parseFuncIgnore } from '../../../tools/scripts/deploy/funcignore.js';
import { checkPackageFiles, listPackageFiles } from '../../../tools/scripts/deploy/package-app.js';
import { checkPackageLoad, type IndexedFunction, type PackageLoad } from '../../../tools/scripts/deploy/verify-package-loads.js';
import { repoRoot } from '../../support/bicep-cli.js';

test('.funcignore patterns match from the app root, as Core Tools reads them', () => {
  const ignore = parseFuncIgnore('# comment\n\nsrc\n*.md\n.git*\ndist/test\n__azurite_db*\nlogs/**/*.log\n!keep.md\n');
  const denied = [
    'src/app.ts',
    'README.md',
    '.gitignore',
    '.github/workflows/ci.yml',
    'dist/test/unit/a.test.js',
    '__azurite_db_table__.json',
    'logs/a/b/c.log',
  ];
  const accepted = ['dist/src/functions/webhook.js', 'docs/guide.txt', 'host.json', 'keep.md', 'dist/src/test-helpers.js', 'logs/a/readme'];
  for (const path of denied) assert.ok(ignore.denies(path), `denies ${path}`);
  for (const path of accepted) assert.ok(!ignore.denies(path), `accepts ${path}`);
});

/** A copy of the repository's .funcignore over a tree with a file of each kind. */
async function sampleApp(): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'package-app-'));
  await copyFile(join(repoRoot, '.funcignore'), join(root, '.funcignore'));
  const files = [
    'host.json',
    'package.json',
    'package-lock.json',
    'README.md',
    'tsconfig.json',
    'local.settings.json',
    'dist/src/functions/webhook.js',
    'dist/src/functions/webhook.js.map',
    'dist/src/ingress/handle.js',
    'dist/src/bots/bots.json',
    'dist/tools/local-host/main.js',
    'dist/tools/dev-broker/main.js',
    'dist/test/unit/x.test.js',
    'dist/tools/scripts/deploy.js',
    'dist/infra/main.json',
    'src/functions/webhook.ts',
    'test/unit/x.test.ts',
    'infra/main.bicep',
    'tools/scripts/deploy.ts',
    '.tools/nuget/x',
    '.data/journal.jsonl',
    'node_modules/zod/index.js',
    '.git/HEAD',
  ];
  for (const file of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), '{}');
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

// Unit level: the listing rules over a sample tree. That the real package loads in Azure's way is
// test/integration/deploy/package-loads.test.ts.
test('listPackageFiles keeps the built app and drops what .funcignore excludes', async () => {
  const app = await sampleApp();
  try {
    const files = await listPackageFiles(app.root);
    assert.deepEqual(files, [
      'dist/src/bots/bots.json',
      'dist/src/functions/webhook.js',
      'dist/src/functions/webhook.js.map',
      'dist/src/ingress/handle.js',
      'host.json',
      'package-lock.json',
      'package.json',
    ]);
    assert.doesNotThrow(() => checkPackageFiles(files));
  } finally {
    await app.remove();
  }
});

test('a package the host could not load, or that leaks tests, is refused', () => {
  const good = ['host.json', 'package.json', 'dist/src/functions/webhook.js'];
  const refusals: Array<[string[], RegExp]> = [
    [good.filter((f) => f !== 'host.json'), /no host\.json/],
    [good.filter((f) => !f.startsWith('dist/')), /no dist\/src\/functions\/\*\.js.*npm run build/],
    [[...good, 'dist/test/unit/a.test.js'], /would include tests, development tools or local-only files \(dist\/test\/unit\/a\.test\.js\)/],
    [[...good, 'dist/tools/local-host/main.js'], /development tools.*\(dist\/tools\/local-host\/main\.js\)/],
    [[...good, 'local.settings.json'], /local\.settings\.json/],
  ];
  for (const [files, message] of refusals) {
    assert.throws(
      () => checkPackageFiles(files),
      (e: unknown) => e instanceof DeployRefusal && message.test(e.message),
    );
  }
});

const bots = { bots: [{ name: 'merge-warden', queue: 'bot-merge-warden', events: ['pull_request'] }] };
const webhook: IndexedFunction = {
  name: 'github-webhook',
  bindings: { httpTrigger1: { type: 'httpTrigger', direction: 'in', route: 'github/webhooks', methods: ['POST'], authLevel: 'anonymous' } },
};
const mergeWarden: IndexedFunction = {
  name: 'bot-merge-warden',
  bindings: {
    t: {
      type: 'serviceBusTrigger',
      direction: 'in',
      queueName: 'bot-merge-warden',
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
    },
  },
};
const loaded = (functions: IndexedFunction[], failures: PackageLoad['failures'] = []): PackageLoad => ({
  files: ['dist/src/functions/a.js'],
  failures,
  functions,
  hooks: [],
  programmingModel: { name: '@azure/functions', version: '4' },
});

test('a package load with the webhook and every bot trigger passes', () => {
  assert.doesNotThrow(() => checkPackageLoad(loaded([webhook, mergeWarden]), bots));
});

test('deploy refuses a load with a failed file, no webhook, or a bot without its session trigger, naming each', () => {
  const refusals: Array<[PackageLoad, RegExp]> = [
    [
      loaded(
        [webhook, mergeWarden],
        [{ file: 'dist/src/functions/a.js', error: "Error [ERR_MODULE_NOT_FOUND]: Cannot find module 'x'\n    at y" }],
      ),
      /dist\/src\/functions\/a\.js does not load: Error \[ERR_MODULE_NOT_FOUND\]/,
    ],
    [loaded([mergeWarden]), /no function serves POST github\/webhooks/],
    [loaded([webhook]), /bot merge-warden has no session-enabled Service Bus trigger on queue bot-merge-warden/],
    [
      loaded([webhook, { ...mergeWarden, bindings: { t: { ...mergeWarden.bindings.t!, isSessionsEnabled: false } } }]),
      /bot merge-warden has no session-enabled/,
    ],
  ];
  for (const [load, message] of refusals) {
    assert.throws(
      () => checkPackageLoad(load, bots),
      (e: unknown) => e instanceof DeployRefusal && message.test(e.message) && /nothing was uploaded/.test(e.message),
    );
  }
});
