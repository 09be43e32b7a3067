import { TableClient, TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Settings } from '../config/settings.js';
import { createCredential } from '../identity/create-credential.js';
import { expandDevelopmentStorage } from './development-storage.js';

export interface StorageClients {
  blobService: BlobServiceClient;
  tableService: TableServiceClient;
  table: (name: string) => TableClient;
}

/**
 * Blob and Table clients from the settings the Functions host itself uses for storage:
 * `AzureWebJobsStorage` (a connection string, `UseDevelopmentStorage=true` included) or the
 * identity form `AzureWebJobsStorage__blobServiceUri` / `__tableServiceUri` with
 * the credential `AzureWebJobsStorage__credential` / `__clientId` select (createCredential).
 */
export function createStorageClients(settings: Settings): StorageClients {
  const connectionString = settings.AzureWebJobsStorage;
  if (connectionString !== undefined) {
    const expanded = expandDevelopmentStorage(connectionString);
    // Azurite and the emulator speak plain http; the Tables SDK refuses that unless told.
    const tableOptions = { allowInsecureConnection: /(^|;)\s*(DefaultEndpointsProtocol=http\b|TableEndpoint=http:)/i.test(expanded) };
    try {
      return {
        blobService: BlobServiceClient.fromConnectionString(expanded),
        tableService: TableServiceClient.fromConnectionString(expanded, tableOptions),
        table: (name) => TableClient.fromConnectionString(expanded, name, tableOptions),
      };
    } catch (error) {
      // The SDKs' messages ("Invalid URL") do not say which setting; never echo the value: it holds a key.
      throw new Error(
        'AzureWebJobsStorage is not a usable storage connection string ' +
          `(${error instanceof Error ? error.message : String(error)}); expected UseDevelopmentStorage=true or ` +
          '"DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net"',
      );
    }
  }

  const blobUri = settings.AzureWebJobsStorage__blobServiceUri;
  const tableUri = settings.AzureWebJobsStorage__tableServiceUri;
  if (blobUri === undefined || tableUri === undefined) {
    throw new Error(
      'No storage connection configured: set AzureWebJobsStorage (a connection string, or UseDevelopmentStorage=true) ' +
        'or both AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__tableServiceUri (with a managed identity)' +
        (blobUri === undefined && tableUri === undefined
          ? ''
          : `; only ${blobUri === undefined ? '__tableServiceUri' : '__blobServiceUri'} is set`),
    );
  }
  const credential = createCredential('AzureWebJobsStorage', {
    credential: settings.AzureWebJobsStorage__credential,
    clientId: settings.AzureWebJobsStorage__clientId,
  });
  return {
    blobService: new BlobServiceClient(blobUri, credential),
    tableService: new TableServiceClient(tableUri, credential),
    table: (name) => new TableClient(tableUri, name, credential),
  };
}
