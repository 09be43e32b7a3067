import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStorage, wantsDevelopmentStorage } from '../../../tools/local-host/local-storage.js';
import { silentLog } from '../../../tools/local-host/log.js';

test('development storage: unset or the emulator shorthand; a real account or identity settings are not', () => {
  assert.equal(wantsDevelopmentStorage({}), true);
  assert.equal(wantsDevelopmentStorage({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }), true);
  assert.equal(wantsDevelopmentStorage({ AzureWebJobsStorage: '' }), true);
  assert.equal(wantsDevelopmentStorage({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=k' }), false);
  assert.equal(wantsDevelopmentStorage({ AzureWebJobsStorage__blobServiceUri: 'https://prod.blob.core.windows.net' }), false);
});

test('a real account is described without its key and nothing is started', async () => {
  const storage = await ensureStorage(
    { AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net' },
    silentLog,
  );
  assert.equal(storage.azurite, undefined);
  assert.match(storage.description, /storage account prod/);
  assert.doesNotMatch(storage.description, /c2VjcmV0/);
});

test('LOCAL_AZURITE_PORTS that are not ports are refused with the setting name', async () => {
  await assert.rejects(
    ensureStorage({ LOCAL_AZURITE_PORTS: '1,2' }, silentLog),
    /LOCAL_AZURITE_PORTS must be "0" \(any free ports\) or "blob,queue,table"/,
  );
});
