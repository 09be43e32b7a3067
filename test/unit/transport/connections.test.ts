import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings } from '../../../src/config/settings.js';
import { createServiceBusClient } from '../../../src/transport/service-bus-connection.js';
import { expandDevelopmentStorage } from '../../../src/transport/development-storage.js';
import { createStorageClients } from '../../../src/transport/storage-clients.js';

test('ServiceBusConnection (a connection string) and the identity form both give a client for the right namespace', async () => {
  const fromString = createServiceBusClient(
    readSettings({
      ServiceBusConnection: 'Endpoint=sb://localhost:5672;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true',
    }),
  );
  assert.equal(fromString.fullyQualifiedNamespace, 'localhost');
  await fromString.close();

  const fromIdentity = createServiceBusClient(
    readSettings({
      ServiceBusConnection__fullyQualifiedNamespace: 'contoso.servicebus.windows.net',
      ServiceBusConnection__clientId: '00000000-0000-0000-0000-000000000001',
    }),
  );
  assert.equal(fromIdentity.fullyQualifiedNamespace, 'contoso.servicebus.windows.net');
  await fromIdentity.close();
});

test('no Service Bus setting is an error naming both setting names', () => {
  assert.throws(() => createServiceBusClient(readSettings({})), /ServiceBusConnection .*ServiceBusConnection__fullyQualifiedNamespace/);
});

test('UseDevelopmentStorage=true becomes the local emulator endpoints, for tables too', () => {
  const clients = createStorageClients(readSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }));
  assert.equal(clients.blobService.url, 'http://127.0.0.1:10000/devstoreaccount1');
  assert.equal(clients.table('sessions').url, 'http://127.0.0.1:10002/devstoreaccount1');
  assert.equal(expandDevelopmentStorage('AccountName=x;AccountKey=y'), 'AccountName=x;AccountKey=y');
});

test('the identity form needs both service URIs and says which one is missing', () => {
  const clients = createStorageClients(
    readSettings({
      AzureWebJobsStorage__blobServiceUri: 'https://contoso.blob.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://contoso.table.core.windows.net',
    }),
  );
  assert.equal(clients.blobService.accountName, 'contoso');
  assert.equal(clients.table('sessions').tableName, 'sessions');
  assert.throws(
    () => createStorageClients(readSettings({ AzureWebJobsStorage__blobServiceUri: 'https://contoso.blob.core.windows.net' })),
    /only __blobServiceUri is set/,
  );
  assert.throws(() => createStorageClients(readSettings({})), /set AzureWebJobsStorage/);
});

test('a storage connection string the SDKs cannot read is an error naming AzureWebJobsStorage, never echoing its key', () => {
  for (const value of ['garbage', 'DefaultEndpointsProtocol=http;AccountName=x;AccountKey=c2VjcmV0LWtleQ==']) {
    assert.throws(
      () => createStorageClients(readSettings({ AzureWebJobsStorage: value })),
      (error: Error) =>
        /^AzureWebJobsStorage is not a usable storage connection string/.test(error.message) && !error.message.includes('c2VjcmV0LWtleQ'),
    );
  }
});
