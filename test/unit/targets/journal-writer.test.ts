import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { closeJournalWriters, journalWriter } from '../../../src/targets/journal-writer.js';

const directory = await mkdtemp(path.join(tmpdir(), 'journal-writer-'));
after(async () => {
  await closeJournalWriters();
  await rm(directory, { recursive: true, force: true });
});

it('resolves each append only once its line is in the file, in call order, many lines at once', async () => {
  const file = path.join(directory, 'a', 'journal.jsonl');
  const writer = journalWriter(file);
  const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i }));
  await Promise.all(
    lines.map(async (line) => {
      await writer.append(line);
      // What a completed message relies on: its line is already there.
      assert.ok(readFileSync(file, 'utf8').includes(`${line}\n`), `line ${line} written before its append resolved`);
    }),
  );
  assert.deepEqual((await readFile(file, 'utf8')).split('\n'), [...lines, '']);
  assert.equal(journalWriter(path.join(directory, 'a', '..', 'a', 'journal.jsonl')), writer, 'one writer per file');
  assert.throws(() => writer.append('two\nlines'), /newline/);
});

it('a failed write fails its lines; once the cause is gone the next line is written', async () => {
  const blocker = path.join(directory, 'blocked');
  await writeFile(blocker, 'a file where the journal wants a directory');
  const writer = journalWriter(path.join(blocker, 'journal.jsonl'));
  const failed = await Promise.allSettled([writer.append('{"n":1}'), writer.append('{"n":2}')]);
  assert.deepEqual(
    failed.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  await rm(blocker);
  await writer.append('{"n":3}');
  assert.equal(await readFile(path.join(blocker, 'journal.jsonl'), 'utf8'), '{"n":3}\n');
});

it('close writes what is queued and lets go of the file; the next line opens it again, even if it was deleted', async () => {
  const file = path.join(directory, 'journal.jsonl');
  const writer = journalWriter(file);
  const pending = writer.append('{"before":"close"}');
  await writer.close();
  await pending;
  assert.equal(await readFile(file, 'utf8'), '{"before":"close"}\n');
  await rm(file);
  await writer.append('{"after":"close"}');
  assert.equal(await readFile(file, 'utf8'), '{"after":"close"}\n');
});
