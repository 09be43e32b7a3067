import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyLocalSettings, ensureLocalSettings, readLocalSettings } from '../../../tools/local-host/local-settings.js';

const withDir = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-settings-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('a missing local.settings.json is created from the sample, an existing one is left alone', () => {
  withDir((dir) => {
    const sample = path.join(dir, 'local.settings.sample.json');
    const settings = path.join(dir, 'local.settings.json');
    writeFileSync(sample, JSON.stringify({ IsEncrypted: false, Values: { A: 'sample' } }));
    assert.equal(ensureLocalSettings(settings, sample), true);
    assert.deepEqual(readLocalSettings(settings).Values, { A: 'sample' });
    writeFileSync(settings, JSON.stringify({ Values: { A: 'mine' } }));
    assert.equal(ensureLocalSettings(settings, sample), false);
    assert.equal((JSON.parse(readFileSync(settings, 'utf8')) as { Values: Record<string, string> }).Values['A'], 'mine');
  });
});

test('real environment variables win over the file, as with func start; even an empty one', () => {
  const env: NodeJS.ProcessEnv = { JOURNAL_PATH: '/tmp/j.jsonl', GITHUB_WEBHOOK_SECRET_PREVIOUS: '' };
  const applied = applyLocalSettings(
    { JOURNAL_PATH: '.data/journal.jsonl', GITHUB_WEBHOOK_SECRET: 's', GITHUB_WEBHOOK_SECRET_PREVIOUS: 'old' },
    env,
  );
  assert.equal(env.JOURNAL_PATH, '/tmp/j.jsonl');
  assert.equal(env.GITHUB_WEBHOOK_SECRET, 's');
  assert.equal(env.GITHUB_WEBHOOK_SECRET_PREVIOUS, '');
  assert.deepEqual(applied, { fromFile: ['GITHUB_WEBHOOK_SECRET'], fromEnvironment: ['JOURNAL_PATH', 'GITHUB_WEBHOOK_SECRET_PREVIOUS'] });
});

test('a broken settings file is refused with the file and the problem', () => {
  withDir((dir) => {
    const file = path.join(dir, 'local.settings.json');
    writeFileSync(file, '{ "Values": { "A": 1 } }');
    assert.throws(() => readLocalSettings(file), /Values\.A must be a string, got 1/);
    writeFileSync(file, '{ nope');
    assert.throws(() => readLocalSettings(file), /local\.settings\.json is not valid JSON/);
    writeFileSync(file, '{ "IsEncrypted": true, "Values": {} }');
    assert.throws(() => readLocalSettings(file), /encrypted/);
    assert.throws(() => ensureLocalSettings(path.join(dir, 'x.json'), path.join(dir, 'missing.json')), /Neither .* nor its sample/);
  });
});
