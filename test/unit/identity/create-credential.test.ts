import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { readSettings } from '../../../src/config/settings.js';
import { telemetryCredential } from '../../../src/telemetry/telemetry-credential.js';
import { createCredential } from '../../../src/identity/create-credential.js';
import { createStorageClients } from '../../../src/transport/storage-clients.js';

const clientId = '00000000-0000-0000-0000-000000000001';

test('in Azure (what infra sets: __credential=managedidentity, __clientId) the credential is that managed identity, not a chain', () => {
  assert.ok(createCredential('ServiceBusConnection', { credential: 'managedidentity', clientId }) instanceof ManagedIdentityCredential);
  assert.ok(
    createCredential('ServiceBusConnection', { credential: 'ManagedIdentity' }) instanceof ManagedIdentityCredential,
    'system-assigned',
  );
  assert.ok(
    createCredential('ServiceBusConnection', { clientId }) instanceof ManagedIdentityCredential,
    'a client id alone means the managed identity',
  );
  assert.ok(telemetryCredential({ clientId }) instanceof ManagedIdentityCredential);
});

test("without identity settings (a developer machine) it is the developer's own identity", () => {
  assert.ok(createCredential('ServiceBusConnection', {}) instanceof DefaultAzureCredential);
  assert.ok(createCredential('ServiceBusConnection', { credential: '', clientId: ' ' }) instanceof DefaultAzureCredential);
});

test('an unknown __credential value names the setting', () => {
  assert.throws(
    () => createCredential('AzureWebJobsStorage', { credential: 'azurecli' }),
    /AzureWebJobsStorage__credential must be "managedidentity".*got "azurecli"/,
  );
});

test('the storage clients use the user-assigned identity from the AzureWebJobsStorage settings infra writes', () => {
  const clients = createStorageClients(
    readSettings({
      AzureWebJobsStorage__blobServiceUri: 'https://contoso.blob.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://contoso.table.core.windows.net',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: clientId,
    }),
  );
  assert.ok(clients.blobService.credential instanceof ManagedIdentityCredential);
});
