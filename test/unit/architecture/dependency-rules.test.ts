import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'node:test';
import type { ICruiseResult } from 'dependency-cruiser';
import { cruiseDependencies, repoRoot } from '../../support/cruise-dependencies.js';

// The dependency rule (docs/architecture.md, .dependency-cruiser.cjs): the deployable app (src/)
// never imports tools/, test/ or a devDependency; tools/ and test/ may import src/; no cycles.
// The deploy package is installed with `npm ci --omit=dev` and leaves out dist/tools and dist/test,
// so a wrong import here is a package that fails to load in Azure.

function violationsOf(result: ICruiseResult): string[] {
  return result.summary.violations.map(
    (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`,
  );
}

test('src/, tools/ and test/ keep the dependency rule', async () => {
  const result = await cruiseDependencies(['src', 'tools', 'test']);
  assert.ok(result.summary.totalCruised > 250, `cruised only ${result.summary.totalCruised} modules`);
  assert.deepEqual(violationsOf(result), []);
});

test('a wrong import is reported by the rule it breaks', async () => {
  // A scratch tree with this repository's package.json and node_modules, so `rhea` is a devDependency.
  const root = await mkdtemp(join(tmpdir(), 'dependency-rules-'));
  try {
    await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'junction');
    const files: Record<string, string> = {
      'package.json': await readFile(join(repoRoot, 'package.json'), 'utf8'),
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      // the app reaching into the local host (how the deploy package once broke)
      'src/transport/storage-clients.ts':
        "import { startAzurite } from '../../tools/local-host/start-azurite.js';\nexport const s = startAzurite;\n",
      'tools/local-host/start-azurite.ts': 'export function startAzurite(): void {}\n',
      // the app importing test code and a devDependency
      'src/ingress/handle.ts':
        "import { fake } from '../../test/support/fake.js';\nimport type { Connection } from 'rhea';\nexport type C = Connection | typeof fake;\n",
      'test/support/fake.ts': 'export const fake = 1;\n',
      // a cycle, and an import that resolves nowhere
      'src/a/a.ts': "import { b } from '../b/b.js';\nexport const a = () => b;\n",
      'src/b/b.ts': "import { a } from '../a/a.js';\nimport { gone } from './gone.js';\nexport const b = () => [a, gone];\n",
      // tools importing the app is the allowed direction
      'tools/scripts/send.ts': "import { a } from '../../src/a/a.js';\nexport const send = a;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, file)), { recursive: true });
      await writeFile(join(root, file), text);
    }
    const violations = violationsOf(await cruiseDependencies(['src', 'tools', 'test'], root)).sort();
    const expected = [
      /^app-imports-no-tests: src\/ingress\/handle\.ts → test\/support\/fake\.ts$/,
      /^app-imports-no-tools: src\/transport\/storage-clients\.ts → tools\/local-host\/start-azurite\.ts$/,
      /^app-imports-production-dependencies-only: src\/ingress\/handle\.ts → .*node_modules\/rhea\//,
      /^no-circular: src\/a\/a\.ts → src\/b\/b\.ts \(cycle src\/b\/b\.ts → src\/a\/a\.ts\)$/,
      /^no-unresolvable: src\/b\/b\.ts → \.\/gone\.js$/,
    ];
    assert.equal(violations.length, expected.length, violations.join('\n'));
    expected.forEach((pattern, i) => assert.match(violations[i]!, pattern));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
