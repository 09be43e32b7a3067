import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import type { EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createTableSessionStore, type SessionStore } from '../../../src/lifecycle/table-session-store.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createBotMessageHandler } from '../../../src/processing/bot-message-handler.js';
import type { PoisonStore } from '../../../src/processing/poison-record.js';
import { createTablePoisonStore } from '../../../src/processing/poison-store.js';
import { createTarget } from '../../../src/targets/create-target.js';
import type { JournalEntry } from '../../../src/targets/journal-target.js';
import { createClaimCheck, type ClaimCheck } from '../../../src/transport/claim-check.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { queueContext } from '../../support/processing/fakes.js';

describe('the handler with real storage: claim check, session table, poison table, journal', () => {
  let azurite: RunningAzurite;
  let directory: string;
  let container: ContainerClient;
  let claimCheck: ClaimCheck;
  let sessions: SessionStore;
  let poison: PoisonStore;
  let journalPath: string;
  let handler: ReturnType<typeof createBotMessageHandler>;
  const bot = botDefinitionSchema.parse({ name: 'task-tactician', queue: 'bot-task-tactician', events: ['*'], onPoison: 'skip' });

  before(async () => {
    azurite = await startTestAzurite();
    directory = await mkdtemp(path.join(tmpdir(), 'pipeline-'));
    journalPath = path.join(directory, 'journal.jsonl');
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('webhook-payloads');
    claimCheck = createClaimCheck({ containerClient: container });
    const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    await table('sessions').createTable();
    sessions = createTableSessionStore({ tableClient: table('sessions') });
    poison = createTablePoisonStore({ tableClient: table('poisonmessages') });
    handler = createBotMessageHandler({
      bot,
      parseEnvelope,
      resolvePayload: (ref) => claimCheck.resolve(ref),
      sessions,
      target: createTarget(bot, { env: {}, journalPath, now: () => new Date('2026-11-26T18:00:00.000Z') }),
      poison,
      telemetry: noTelemetry,
      now: () => new Date('2026-11-26T18:00:00.000Z'),
    });
  });
  after(async () => {
    await azurite.stop();
    await rm(directory, { recursive: true, force: true });
  });

  async function claimChecked(deliveryId: string): Promise<EventEnvelope> {
    const { payload, ...fields } = pullRequestEnvelope({ deliveryId, number: 99 });
    const payloadRef = await claimCheck.store(deliveryId, Buffer.from(JSON.stringify(payload)));
    return { ...fields, payloadRef };
  }

  const journal = async (): Promise<JournalEntry[]> =>
    (await readFile(journalPath, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JournalEntry);

  it('delivers a claim-checked payload and journals it with its session position', async () => {
    const envelope = await claimChecked('big-1');
    await handler(Buffer.from(JSON.stringify(envelope)), queueContext({ sessionId: 'pr-octo/repo-99', messageId: 'big-1' }));
    const [entry] = await journal();
    assert.deepEqual(entry, {
      bot: 'task-tactician',
      sessionId: 'pr-octo/repo-99',
      generation: 1,
      index: 1,
      deliveryId: 'big-1',
      eventType: 'pull_request',
      action: 'opened',
      entityType: 'pull_request',
      entityId: '99',
      receivedAt: '2026-11-26T17:00:00.000Z',
      processedAt: '2026-11-26T18:00:00.000Z',
    });
    assert.equal((await sessions.get('task-tactician', 'pr-octo/repo-99'))?.messageCount, 1);
  });

  it('records a missing or tampered claim-check blob as poison, leaving the session and journal alone', async () => {
    const missing = await claimChecked('gone-1');
    await container.deleteBlob('gone-1.json');
    const tampered = await claimChecked('tampered-1');
    await container.getBlockBlobClient('tampered-1.json').upload('{"not":"it"}', 12);
    const before = (await journal()).length;

    await handler(missing, queueContext({ sessionId: 'pr-octo/repo-100', messageId: 'gone-1' }));
    await handler(tampered, queueContext({ sessionId: 'pr-octo/repo-100', messageId: 'tampered-1' }));

    assert.equal((await poison.get('task-tactician', 'gone-1'))?.reason, 'ClaimCheckMissing');
    assert.equal((await poison.get('task-tactician', 'tampered-1'))?.reason, 'ClaimCheckCorrupt');
    assert.deepEqual(
      (JSON.parse((await poison.get('task-tactician', 'gone-1'))!.body) as { payloadRef: unknown }).payloadRef,
      missing.payloadRef,
    );
    assert.equal(await sessions.get('task-tactician', 'pr-octo/repo-100'), undefined);
    assert.equal((await journal()).length, before);
  });
});
