/**
 * The storage emulator's well-known development account, which `UseDevelopmentStorage=true`
 * stands for (Azurite and the legacy emulator both use it; the key is published, not a secret):
 * https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key
 * Production code needs it only to expand that shorthand; tools/local-host imports it from here.
 */
export const DEVELOPMENT_STORAGE_ACCOUNT = 'devstoreaccount1';
export const DEVELOPMENT_STORAGE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** `UseDevelopmentStorage=true` spelled out (the Tables SDK does not understand the shorthand). */
export function expandDevelopmentStorage(connectionString: string): string {
  if (!/^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(connectionString)) return connectionString;
  const account = DEVELOPMENT_STORAGE_ACCOUNT;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${DEVELOPMENT_STORAGE_KEY};` +
    `BlobEndpoint=http://127.0.0.1:10000/${account};QueueEndpoint=http://127.0.0.1:10001/${account};` +
    `TableEndpoint=http://127.0.0.1:10002/${account};`
  );
}
