import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobServiceClient } from '@azure/storage-blob';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createClaimCheck, sha256Hex } from '../../../src/transport/claim-check.js';
import { example } from '../../support/example-payloads.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(async () => {
  await azurite.stop();
});

const containerClient = (name = 'webhook-payloads') =>
  BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name);
const bigPayload = () => {
  const payload = example('pull_request', 'opened');
  (payload['pull_request'] as Record<string, unknown>)['body'] = 'A long description. '.repeat(15_000);
  return Buffer.from(JSON.stringify(payload));
};

test('a payload is stored once (container created on first use) and resolves to identical bytes', async () => {
  const claimCheck = createClaimCheck({ containerClient: containerClient() });
  const bytes = bigPayload();
  const ref = await claimCheck.store('d-store', bytes);
  assert.deepEqual(ref, { container: 'webhook-payloads', blobName: 'd-store.json', size: bytes.byteLength, sha256: sha256Hex(bytes) });
  assert.ok((await claimCheck.read(ref)).equals(bytes));
  assert.deepEqual(await claimCheck.resolve(ref), JSON.parse(bytes.toString()));
});

test('storing the same delivery again reuses the blob; different bytes under the same delivery id are refused', async () => {
  const claimCheck = createClaimCheck({ containerClient: containerClient() });
  const bytes = bigPayload();
  const first = await claimCheck.store('d-twice', bytes);
  assert.deepEqual(await createClaimCheck({ containerClient: containerClient() }).store('d-twice', bytes), first);
  await assert.rejects(
    claimCheck.store('d-twice', Buffer.from('{"other":true}')),
    (error: unknown) => error instanceof PermanentError && error.reason === 'ClaimCheckConflict',
  );
  assert.ok((await claimCheck.read(first)).equals(bytes), 'the first payload is untouched');
});

test('a missing blob is ClaimCheckMissing, changed bytes are ClaimCheckCorrupt', async () => {
  const claimCheck = createClaimCheck({ containerClient: containerClient() });
  const ref = await claimCheck.store('d-corrupt', Buffer.from('{"a":1}'));
  await assert.rejects(
    claimCheck.resolve({ ...ref, blobName: 'nobody.json' }),
    (error: unknown) =>
      error instanceof PermanentError && error.reason === 'ClaimCheckMissing' && /nobody\.json does not exist/.test(error.message),
  );
  await containerClient().getBlockBlobClient('d-corrupt.json').upload('{"a":2}', 7);
  await assert.rejects(
    claimCheck.resolve(ref),
    (error: unknown) => error instanceof PermanentError && error.reason === 'ClaimCheckCorrupt',
  );
  await assert.rejects(
    claimCheck.resolve({ ...ref, container: 'elsewhere' }),
    (error: unknown) => error instanceof PermanentError && error.reason === 'ClaimCheckMissing',
  );
});

test('storage that cannot be reached is a TransientError', async () => {
  const unreachable = BlobServiceClient.fromConnectionString(
    azurite.connectionString.replace(/BlobEndpoint=http:\/\/[^/]+/, 'BlobEndpoint=http://127.0.0.1:9'),
    { retryOptions: { maxTries: 1 } },
  ).getContainerClient('webhook-payloads');
  const claimCheck = createClaimCheck({ containerClient: unreachable });
  const ref = { container: 'webhook-payloads', blobName: 'x.json', size: 1, sha256: 'a' };
  await assert.rejects(claimCheck.resolve(ref), (error: unknown) => error instanceof TransientError);
  await assert.rejects(claimCheck.store('d-x', Buffer.from('{}')), (error: unknown) => error instanceof TransientError);
});

test('a container deleted while the app runs is created again, not failing every later claim check until a restart', async () => {
  const container = containerClient(`recreated${Date.now().toString(36)}`);
  const claimCheck = createClaimCheck({ containerClient: container });
  await claimCheck.store('d-before', bigPayload());
  await container.delete();
  const bytes = bigPayload();
  const ref = await claimCheck.store('d-after', bytes);
  assert.ok((await claimCheck.read(ref)).equals(bytes));
});
