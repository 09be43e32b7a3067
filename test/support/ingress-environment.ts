import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadBots } from '../../src/bots/load-bots.js';
import { readSettings, type Settings } from '../../src/config/settings.js';
import { queueOptionsFromBots } from '../../tools/dev-broker/queue-options-from-bots.js';
import { startDevBroker, type RunningDevBroker } from '../../tools/dev-broker/start-dev-broker.js';
import { createWebhookHandler, type WebhookHandler } from '../../src/ingress/create-webhook-handler.js';
import { createApp } from '../../src/app/create-app.js';
import type { WebhookDependencies } from '../../src/ingress/create-webhook-handler.js';
import { startTestAzurite, type RunningAzurite } from './shared-azurite.js';
import { createClaimCheck, type ClaimCheck } from '../../src/transport/claim-check.js';
import { CURRENT_SECRET } from './webhook-harness.js';
import azureFunctions, { type HttpRequest } from '@azure/functions';

const { InvocationContext } = azureFunctions;

/** The shipped bots' queues on the development broker, as Bicep creates them in Azure. */
export const botQueues = () => queueOptionsFromBots(loadBots().bots);

export interface IngressEnvironment {
  broker: RunningDevBroker;
  azurite: RunningAzurite;
  settings: Settings;
  /** The app's webhook parts (createApp), for tests that wrap its dispatcher. */
  runtime: WebhookDependencies;
  handler: WebhookHandler;
  /** A separate client, as the bots' side would have. */
  receiverClient: ServiceBusClient;
  claimCheck: ClaimCheck;
  call(request: HttpRequest): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The real handler over the real SDK, the development broker with the five bots' queues, and Azurite. */
export async function startIngressEnvironment(env: Record<string, string> = {}): Promise<IngressEnvironment> {
  const [broker, azurite] = await Promise.all([startDevBroker({ port: 0, queues: botQueues() }), startTestAzurite()]);
  const settings = readSettings({
    GITHUB_WEBHOOK_SECRET: CURRENT_SECRET,
    ServiceBusConnection: broker.connectionString,
    AzureWebJobsStorage: azurite.connectionString,
    // These tests post the same example bodies under new delivery ids on purpose; replays have their own test.
    WEBHOOK_REPLAY_WINDOW: 'PT0S',
    ...env,
  });
  const app = createApp({ settings });
  const runtime = app.webhook;
  const handler = createWebhookHandler(runtime);
  const receiverClient = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
  const claimCheck = createClaimCheck({
    containerClient: BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings.CLAIM_CHECK_CONTAINER),
  });
  return {
    broker,
    azurite,
    settings,
    runtime,
    handler,
    receiverClient,
    claimCheck,
    call: (request) => callHandler(handler, request),
    async close() {
      await app.close();
      await receiverClient.close();
      await broker.close();
      await azurite.stop();
    },
  };
}

/** Calls a webhook handler as the host would, with a silent invocation context. */
export async function callHandler(
  handler: WebhookHandler,
  request: HttpRequest,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await handler(request, new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined }));
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown> };
}

/** Every message now in one session of one queue, completed so the next test starts clean. */
export async function drainSession(client: ServiceBusClient, queue: string, sessionId: string): Promise<ServiceBusReceivedMessage[]> {
  const receiver = await client.acceptSession(queue, sessionId);
  const received: ServiceBusReceivedMessage[] = [];
  try {
    for (;;) {
      const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 300 });
      if (batch.length === 0) return received;
      for (const message of batch) await receiver.completeMessage(message);
      received.push(...batch);
    }
  } finally {
    await receiver.close();
  }
}
