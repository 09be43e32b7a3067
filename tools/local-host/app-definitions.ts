import { createApp } from '../../src/app/create-app.js';
import type { TimerFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import type { Settings } from '../../src/config/settings.js';
import { createServiceBusClient } from '../../src/transport/service-bus-connection.js';
import { createStorageClients } from '../../src/transport/storage-clients.js';
import type { BuildDefinitions, LocalApp } from './local-host.js';
import { DEVELOPMENT_STORAGE_ACCOUNT } from '../../src/transport/development-storage.js';
import { createTableHeldMessageStore } from '../../src/processing/held-message-store.js';
import { referencedPayloads, sweepClaimChecks } from './sweep-claim-checks.js';

/**
 * THE seam between `npm start` and the app: the same composition the Functions host
 * registrations use (src/app/create-app.ts), built from the settings after the local host
 * has pointed storage and Service Bus at what it started; plus, on Azurite only, the sweep
 * that stands in for the storage lifecycle rule (`sweep-claim-checks.ts`).
 */
export const buildDefinitions: BuildDefinitions = async (settings) => {
  const app = createApp({ settings });
  if (!usesAzurite(settings)) return app;
  const sweep = claimCheckSweep(
    settings,
    app.registry.bots.map((bot) => bot.queue),
  );
  return {
    definitions: [...app.definitions, sweep.definition],
    async close() {
      await sweep.close();
      await app.close();
    },
  } satisfies LocalApp;
};

/** Payloads younger than this are kept: the webhook stores a payload before it sends the messages that refer to it. */
const SWEEP_MIN_AGE_MS = 2 * 60_000;

function claimCheckSweep(settings: Settings, queues: readonly string[]): { definition: TimerFunctionDefinition; close(): Promise<void> } {
  const storage = createStorageClients(settings);
  const container = storage.blobService.getContainerClient(settings.CLAIM_CHECK_CONTAINER);
  // A held session's kept messages (onPoison: "hold") refer to their payloads too, for as long as it is held.
  const held = createTableHeldMessageStore({ tableClient: storage.table(settings.HELD_TABLE) });
  const client = createServiceBusClient(settings);
  let warned = false;
  return {
    definition: {
      kind: 'timer',
      name: 'local-claim-check-sweep',
      schedule: '30 */1 * * * *',
      runOnStartup: false,
      async handler(_timer, context) {
        let referenced: Set<string>;
        try {
          referenced = await referencedPayloads(client, queues, container.containerName);
          for (const blob of await held.payloadBlobs()) referenced.add(blob);
        } catch (error) {
          // A broker that cannot peek a session queue without a session (the official emulator may not): keep everything.
          if (!warned)
            context.warn(`local-claim-check-sweep: cannot peek the queues, so no payload is deleted: ${(error as Error).message}`);
          warned = true;
          return;
        }
        if (!(await container.exists())) return;
        const { deleted, kept } = await sweepClaimChecks({ container, referenced, now: new Date(), minAgeMs: SWEEP_MIN_AGE_MS });
        if (deleted.length > 0)
          context.log(`local-claim-check-sweep: deleted ${deleted.length} payload(s) no message refers to any more, kept ${kept}`);
      },
    },
    close: () => client.close(),
  };
}

/** Only the emulator's own account: a sweep never deletes from a real storage account a developer points at. */
function usesAzurite(settings: Settings): boolean {
  return new RegExp(`(^|;)\\s*AccountName=${DEVELOPMENT_STORAGE_ACCOUNT}\\s*(;|$)`, 'i').test(settings.AzureWebJobsStorage ?? '');
}
