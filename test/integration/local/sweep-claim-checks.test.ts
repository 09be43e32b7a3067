import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobServiceClient } from '@azure/storage-blob';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { referencedPayloads, sweepClaimChecks } from '../../../tools/local-host/sweep-claim-checks.js';
import { withDevBroker } from '../../support/dev-broker-fixture.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const QUEUE = 'bot-merge-warden';
const envelopeFor = (blobName: string, container = 'webhook-payloads') => ({
  eventId: blobName.replace('.json', ''),
  eventType: 'pull_request',
  payloadRef: { container, blobName, size: 2, sha256: 'x' },
});

test('payloads no message refers to any more are deleted; queued, locked and dead-lettered ones and young ones are kept', async () => {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('webhook-payloads');
  await container.create();
  for (const name of ['queued.json', 'locked.json', 'dead.json', 'done.json', 'other-container.json']) {
    await container.getBlockBlobClient(name).upload('{}', 2);
  }
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ client }) => {
    const sender = client.createSender(QUEUE);
    await sender.sendMessages([
      { body: envelopeFor('queued.json'), sessionId: 's-queued' },
      { body: envelopeFor('locked.json'), sessionId: 's-locked' },
      { body: envelopeFor('dead.json'), sessionId: 's-dead' },
      { body: envelopeFor('done.json'), sessionId: 's-done' },
      { body: envelopeFor('other-container.json', 'elsewhere'), sessionId: 's-other' },
    ]);
    await sender.close();
    const settle = async (sessionId: string, how: 'complete' | 'deadLetter' | 'keep') => {
      const receiver = await client.acceptSession(QUEUE, sessionId);
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      if (how === 'complete') await receiver.completeMessage(message!);
      if (how === 'deadLetter')
        await receiver.deadLetterMessage(message!, { deadLetterReason: 'test', deadLetterErrorDescription: 'test' });
      if (how !== 'keep') await receiver.close();
      return receiver;
    };
    await settle('s-done', 'complete');
    await settle('s-other', 'complete');
    await settle('s-dead', 'deadLetter');
    const holding = await settle('s-locked', 'keep');

    const referenced = await referencedPayloads(client, [QUEUE], 'webhook-payloads');
    assert.deepEqual([...referenced].sort(), ['dead.json', 'locked.json', 'queued.json']);

    const young = await sweepClaimChecks({ container, referenced, now: new Date(), minAgeMs: 120_000 });
    assert.deepEqual(young, { deleted: [], kept: 5 }, 'nothing older than two minutes yet');
    const later = await sweepClaimChecks({ container, referenced, now: new Date(Date.now() + 600_000), minAgeMs: 120_000 });
    assert.deepEqual(later.deleted.sort(), ['done.json', 'other-container.json']);
    const left: string[] = [];
    for await (const blob of container.listBlobsFlat()) left.push(blob.name);
    assert.deepEqual(left.sort(), ['dead.json', 'locked.json', 'queued.json']);
    await holding.close();
  });
});
