import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readSettings } from '../../../src/config/settings.js';

// The Functions host restarts when a folder appears in the app root (func start: the project),
// so the journal must not create one there by default.
test('the journal goes outside the app root by default, under the temporary folder', () => {
  const journal = readSettings({}).JOURNAL_PATH;
  assert.ok(path.isAbsolute(journal), `${journal} is absolute, so the working directory cannot put it in the app`);
  assert.equal(path.relative(tmpdir(), journal).startsWith('..'), false, `${journal} is under ${tmpdir()}`);
  assert.ok(path.relative(process.cwd(), journal).startsWith('..'), `${journal} is outside ${process.cwd()}`);
});

test('a blank JOURNAL_PATH (as local.settings.sample.json has it) means the default; a value is kept', () => {
  assert.equal(readSettings({ JOURNAL_PATH: ' ' }).JOURNAL_PATH, readSettings({}).JOURNAL_PATH);
  assert.equal(readSettings({ JOURNAL_PATH: '/var/lib/router/journal.jsonl' }).JOURNAL_PATH, '/var/lib/router/journal.jsonl');
});
