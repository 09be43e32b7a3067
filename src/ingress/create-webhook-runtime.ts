import { loadBots } from '../bots/load-bots.js';
import type { BotRegistry } from '../bots/bot-registry.js';
import type { Settings } from '../config/settings.js';
import { createTelemetry } from '../telemetry/create-telemetry.js';
import { createClaimCheck, type ClaimCheck } from '../transport/claim-check.js';
import { createServiceBusClient, webhookSenderOptions } from '../transport/service-bus-connection.js';
import { createServiceBusDispatcher } from '../transport/service-bus-dispatcher.js';
import { createStorageClients, type StorageClients } from '../transport/storage-clients.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { WebhookDependencies } from './create-webhook-handler.js';

export interface WebhookRuntime extends WebhookDependencies {
  /** Closes the senders and the Service Bus connection (the local host and tests call it on shutdown). */
  close(): Promise<void>;
}

/**
 * The webhook's real parts from the app settings: the process's one ServiceBusClient, the
 * claim-check container, Application Insights when configured, and the bots (shipped
 * bots.json or BOTS_CONFIG_PATH, validated now so a bad file stops start-up).
 */
export function createWebhookRuntime(
  settings: Settings,
  options: { registry?: BotRegistry; telemetry?: Telemetry; storage?: StorageClients; claimCheck?: ClaimCheck } = {},
): WebhookRuntime {
  const registry = options.registry ?? loadBots(settings.BOTS_CONFIG_PATH === undefined ? {} : { path: settings.BOTS_CONFIG_PATH });
  const telemetry = options.telemetry ?? createTelemetry(settings);
  const storage = options.storage ?? createStorageClients(settings);
  const claimCheck =
    options.claimCheck ?? createClaimCheck({ containerClient: storage.blobService.getContainerClient(settings.CLAIM_CHECK_CONTAINER) });
  // Last: the only part that holds a connection, so a bad setting above leaks nothing.
  const client = createServiceBusClient(settings, webhookSenderOptions(settings));
  const dispatcher = createServiceBusDispatcher({ client, telemetry });
  return {
    settings,
    registry,
    dispatcher,
    claimCheck,
    telemetry,
    now: () => new Date(),
    async close() {
      await dispatcher.close();
      await client.close();
    },
  };
}
