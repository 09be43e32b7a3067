import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createTableHeldMessageStore, type HeldMessage } from '../../../src/processing/held-message-store.js';

const held = (seq: number): HeldMessage => ({
  bot: 'merge-warden',
  sessionId: 'pr-octo/repo-1',
  seq,
  messageId: `m${seq}`,
  body: JSON.stringify({ eventId: `m${seq}` }),
  eventType: 'pull_request',
  poisoned: seq === 1,
  payloadBlob: null,
  enqueuedTimeUtc: null,
  heldAt: new Date('2026-11-29T10:00:00.000Z'),
});

describe('held message store on Table Storage (Azurite)', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it('makes its table again when it was deleted while the app runs, instead of failing every kept message until a restart', async () => {
    const tableClient = TableClient.fromConnectionString(azurite.connectionString, `heldrecreated${Date.now().toString(36)}`, {
      allowInsecureConnection: true,
    });
    const store = createTableHeldMessageStore({ tableClient });
    await store.put(held(1));
    await tableClient.deleteTable();
    await store.put(held(2));
    assert.deepEqual(
      (await store.list('merge-warden', 'pr-octo/repo-1')).map((m) => m.messageId),
      ['m2'],
    );
  });
});
