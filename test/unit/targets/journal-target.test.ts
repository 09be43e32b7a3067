import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { createTarget } from '../../../src/targets/create-target.js';
import type { JournalEntry } from '../../../src/targets/journal-target.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';

const directory = await mkdtemp(path.join(tmpdir(), 'journal-'));
after(() => rm(directory, { recursive: true, force: true }));

const journalBot = (name: string) => botDefinitionSchema.parse({ name, queue: `bot-${name}`, events: ['*'] });

it('appends one whole JSON line per message, creating the directory, even when bots write at once', async () => {
  const journalPath = path.join(directory, 'nested', 'journal.jsonl');
  const processedAt = new Date('2026-11-26T17:30:00.000Z');
  const deps = { env: {}, journalPath, now: () => processedAt };
  const targets = [createTarget(journalBot('merge-warden'), deps), createTarget(journalBot('spec-sentinel'), deps)];
  const perBot = 200;
  await Promise.all(
    targets.flatMap((target, t) =>
      Array.from({ length: perBot }, (_, i) =>
        target.deliver({
          envelope: pullRequestEnvelope({ deliveryId: `d-${t}-${i}`, number: i, receivedAt: '2026-11-26T17:00:00.000Z' }),
          session: { id: `pr-octo/repo-${i}`, generation: 1, index: i + 1, isNew: i === 0 },
          deliveryCount: 1,
        }),
      ),
    ),
  );
  const lines = (await readFile(journalPath, 'utf8')).split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 2 * perBot);
  const entries = lines.map((line) => JSON.parse(line) as JournalEntry);
  assert.deepEqual(
    entries.find((e) => e.deliveryId === 'd-1-5'),
    {
      bot: 'spec-sentinel',
      sessionId: 'pr-octo/repo-5',
      generation: 1,
      index: 6,
      deliveryId: 'd-1-5',
      eventType: 'pull_request',
      action: 'opened',
      entityType: 'pull_request',
      entityId: '5',
      receivedAt: '2026-11-26T17:00:00.000Z',
      processedAt: '2026-11-26T17:30:00.000Z',
    },
  );
  // Each bot's lines keep the order its messages were delivered in.
  const mergeWarden = entries.filter((e) => e.bot === 'merge-warden').map((e) => e.index);
  assert.deepEqual(
    mergeWarden,
    Array.from({ length: perBot }, (_, i) => i + 1),
  );
});

it('writes sessionId, generation and index as null for a bot without sessions (strategy none)', async () => {
  const journalPath = path.join(directory, 'unordered.jsonl');
  const target = createTarget(journalBot('greeter'), { env: {}, journalPath, now: () => new Date('2026-11-26T17:30:00.000Z') });
  await target.deliver({ envelope: pullRequestEnvelope({ deliveryId: 'd-none', number: 1 }), session: null, deliveryCount: 1 });
  const line = JSON.parse((await readFile(journalPath, 'utf8')).trim()) as JournalEntry;
  assert.deepEqual([line.bot, line.sessionId, line.generation, line.index, line.deliveryId], ['greeter', null, null, null, 'd-none']);
});
