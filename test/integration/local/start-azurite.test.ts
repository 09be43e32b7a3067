import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../../tools/local-host/start-azurite.js';

test('Azurite from node_modules serves tables and blobs through the real SDKs on free ports', async () => {
  const azurite = await startAzurite();
  try {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    assert.equal((await table.getEntity<{ value: number }>('p', 'r')).value, 42);

    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('probe');
    await blobs.create();
    await blobs.getBlockBlobClient('a.txt').upload('hello', 5);
    assert.equal((await blobs.getBlockBlobClient('a.txt').downloadToBuffer()).toString(), 'hello');
  } finally {
    await azurite.stop();
  }
});
