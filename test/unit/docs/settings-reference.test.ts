import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { settingNames } from '../../../src/config/settings.js';

// docs/settings.md is the reference an operator reads before touching an app setting: its table
// must name every setting src/config/settings.ts reads, and nothing the code no longer reads.

const page = readFileSync(fileURLToPath(new URL('../../../../docs/settings.md', import.meta.url)), 'utf8');
/** Read by the Functions host, not by src/config/settings.ts, and documented for that reason. */
const hostSettings = ['FUNCTIONS_WORKER_RUNTIME'];

/** The setting names in the first column of the app settings table (the section before the next heading). */
function documentedSettings(): string[] {
  const start = page.indexOf('| setting |');
  const section = page.slice(start, page.indexOf('\n## ', start));
  return section
    .split('\n')
    .filter((row) => row.startsWith('| `'))
    .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((match) => match[1]!));
}

test('docs/settings.md lists every app setting src/config/settings.ts reads, by its full name', () => {
  const documented = new Set(documentedSettings());
  assert.deepEqual(
    settingNames.filter((name) => !documented.has(name)),
    [],
    'read by the code but missing from docs/settings.md',
  );
});

test('docs/settings.md lists no app setting the code does not read', () => {
  const known = new Set<string>([...settingNames, ...hostSettings]);
  const unknown = documentedSettings().filter((name) => !known.has(name));
  assert.deepEqual(unknown, [], 'in docs/settings.md but not read by src/config/settings.ts');
});
