import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DeployRefusal } from '../../../scripts/deploy/az.js';
import { parseFuncIgnore } from '../../../scripts/deploy/funcignore.js';
import { checkPackageFiles, listPackageFiles } from '../../../scripts/deploy/package-app.js';
import { repoRoot } from '../../support/bicep-cli.js';

test('.funcignore patterns match from the app root, as Core Tools reads them', () => {
  const ignore = parseFuncIgnore('# comment\n\nsrc\n*.md\n.git*\ndist/test\n__azurite_db*\nlogs/**/*.log\n!keep.md\n');
  const denied = ['src/app.ts', 'README.md', '.gitignore', '.github/workflows/ci.yml', 'dist/test/unit/a.test.js', '__azurite_db_table__.json', 'logs/a/b/c.log'];
  const accepted = ['dist/src/functions/webhook.js', 'docs/guide.txt', 'host.json', 'keep.md', 'dist/src/test-helpers.js', 'logs/a/readme'];
  for (const path of denied) assert.ok(ignore.denies(path), `denies ${path}`);
  for (const path of accepted) assert.ok(!ignore.denies(path), `accepts ${path}`);
});

/** A copy of the repository's .funcignore over a tree with a file of each kind. */
async function sampleApp(): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'package-app-'));
  await copyFile(join(repoRoot, '.funcignore'), join(root, '.funcignore'));
  const files = [
    'host.json', 'package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'local.settings.json',
    'dist/src/functions/webhook.js', 'dist/src/functions/webhook.js.map', 'dist/src/ingress/handle.js', 'dist/src/bots/bots.json',
    'dist/src/local/main.js', 'dist/src/devbroker/main.js', 'dist/test/unit/x.test.js', 'dist/scripts/deploy.js', 'dist/infra/main.json',
    'src/functions/webhook.ts', 'test/unit/x.test.ts', 'infra/main.bicep', 'scripts/deploy.ts', '.tools/nuget/x', '.data/journal.jsonl',
    'node_modules/zod/index.js', '.git/HEAD',
  ];
  for (const file of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), '{}');
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

test('the package holds the built app and nothing for development', async () => {
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
    [[...good, 'dist/test/unit/a.test.js'], /would include tests or local-only files \(dist\/test\/unit\/a\.test\.js\)/],
    [[...good, 'local.settings.json'], /local\.settings\.json/],
  ];
  for (const [files, message] of refusals) {
    assert.throws(() => checkPackageFiles(files), (e: unknown) => e instanceof DeployRefusal && message.test(e.message));
  }
});
