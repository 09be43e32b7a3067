import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { azuriteAccount, startAzurite, type RunningAzurite, type ServiceRoots } from '../../tools/local-host/start-azurite.js';

export type { RunningAzurite };
import { DEVELOPMENT_STORAGE_ACCOUNT, DEVELOPMENT_STORAGE_KEY } from '../../src/transport/development-storage.js';

/**
 * One Azurite for a whole `npm test` run instead of one per test file (each start costs a Node
 * process and a second or more of CPU). Isolation comes from storage accounts: the run's Azurite
 * serves `accounts` of them (AZURITE_ACCOUNTS,
 * https://learn.microsoft.com/azure/storage/common/storage-connect-azurite#use-custom-storage-accounts-and-keys),
 * and every startTestAzurite() call claims one no other call gets, so each caller sees an empty
 * emulator of its own — listing tables or sweeping a container finds only its own data — exactly
 * as with an Azurite of its own.
 */
export const SHARED_AZURITE_ENV = 'SESSION_ROUTER_TEST_AZURITE';

interface SharedAzurite extends ServiceRoots {
  accounts: number;
  /** A folder in which a claimed account is a subfolder (mkdir is atomic across the test processes). */
  claims: string;
}

const accountName = (index: number) => `testaccount${index}`;

/** Starts the run's Azurite; `env` is what the test processes need to use it. */
export async function startSharedAzurite(accounts: number): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const names = Array.from({ length: accounts }, (_, i) => `${accountName(i)}:${DEVELOPMENT_STORAGE_KEY}`);
  const previous = process.env.AZURITE_ACCOUNTS;
  // Read by the Azurite child at start-up only; the test processes must not inherit it (an Azurite
  // they start themselves, as the local host does, must keep the default account).
  process.env.AZURITE_ACCOUNTS = names.join(';');
  let azurite: RunningAzurite;
  try {
    azurite = await startAzurite();
  } finally {
    if (previous === undefined) delete process.env.AZURITE_ACCOUNTS;
    else process.env.AZURITE_ACCOUNTS = previous;
  }
  const claims = mkdtempSync(path.join(tmpdir(), 'azurite-accounts-'));
  const root = (endpoint: string) => endpoint.slice(0, -`/${DEVELOPMENT_STORAGE_ACCOUNT}`.length);
  const shared: SharedAzurite = {
    blob: root(azurite.blobEndpoint),
    queue: root(azurite.queueEndpoint),
    table: root(azurite.tableEndpoint),
    accounts,
    claims,
  };
  return {
    env: { [SHARED_AZURITE_ENV]: JSON.stringify(shared) },
    async stop() {
      await azurite.stop();
      rmSync(claims, { recursive: true, force: true });
    },
  };
}

/**
 * Azurite for a test: an empty storage account of its own on the run's shared Azurite when the
 * test runner started one, else (a test file run alone with `node --test`) an Azurite of its own.
 * `stop()` stops only what this call started.
 */
export async function startTestAzurite(): Promise<RunningAzurite> {
  const value = process.env[SHARED_AZURITE_ENV];
  if (value === undefined || value === '') return startAzurite();
  const shared = JSON.parse(value) as SharedAzurite;
  const account = claimAccount(shared);
  if (account === undefined) return startAzurite(); // every account taken: correct, only slower
  return {
    ...azuriteAccount(shared, account, DEVELOPMENT_STORAGE_KEY),
    // The account is never handed out again; the runner stops the shared Azurite at the end.
    stop: async () => undefined,
  };
}

function claimAccount(shared: SharedAzurite): string | undefined {
  for (let index = 0; index < shared.accounts; index++) {
    try {
      mkdirSync(path.join(shared.claims, String(index)));
      return accountName(index);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return undefined;
}
