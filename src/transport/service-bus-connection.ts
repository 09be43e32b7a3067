import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import type { Settings } from '../config/settings.js';
import { createCredential } from '../identity/create-credential.js';

/**
 * A ServiceBusClient from the same settings the Functions host's Service Bus triggers read:
 * `ServiceBusConnection` (a connection string; `UseDevelopmentEmulator=true` for the emulator
 * or the development broker) or `ServiceBusConnection__fullyQualifiedNamespace` with
 * the credential `ServiceBusConnection__credential` / `__clientId` select (createCredential).
 */
export function createServiceBusClient(settings: Settings, options: ServiceBusClientOptions = {}): ServiceBusClient {
  if (settings.ServiceBusConnection !== undefined) {
    return new ServiceBusClient(settings.ServiceBusConnection, options);
  }
  const namespace = settings.ServiceBusConnection__fullyQualifiedNamespace;
  if (namespace !== undefined) {
    const credential = createCredential('ServiceBusConnection', {
      credential: settings.ServiceBusConnection__credential,
      clientId: settings.ServiceBusConnection__clientId,
    });
    return new ServiceBusClient(namespace, credential, options);
  }
  throw new Error(
    'No Service Bus connection configured: set ServiceBusConnection (a connection string) or ' +
      'ServiceBusConnection__fullyQualifiedNamespace (<namespace>.servicebus.windows.net, with a managed identity)',
  );
}

/**
 * Client options for sending from the webhook. The SDK's own retries are off: the dispatcher
 * retries inside the webhook's time budget instead, so a dead namespace cannot hold GitHub's
 * request past its 10 s.
 */
export function webhookSenderOptions(settings: Settings): ServiceBusClientOptions {
  return { retryOptions: { maxRetries: 0, timeoutInMs: settings.WEBHOOK_SEND_BUDGET_MS } };
}
