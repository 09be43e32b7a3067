import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import { startDevBroker, type DevQueueOptions, type RunningDevBroker } from '../../src/devbroker/start-dev-broker.js';

export interface BrokerFixture {
  broker: RunningDevBroker;
  client: ServiceBusClient;
  /** another client, as another process would be */
  newClient(options?: ServiceBusClientOptions): ServiceBusClient;
}

/** Quick failures: tests wait on the broker's answers, not on SDK retries. */
export const fastRetries: ServiceBusClientOptions = { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } };

/** A broker with the given queues and a real SDK client; everything is closed afterwards, even on failure. */
export async function withDevBroker(queues: DevQueueOptions[], run: (fixture: BrokerFixture) => Promise<void>): Promise<void> {
  const broker = await startDevBroker({ queues });
  const clients: ServiceBusClient[] = [];
  const newClient = (options: ServiceBusClientOptions = fastRetries) => {
    const client = new ServiceBusClient(broker.connectionString, options);
    clients.push(client);
    return client;
  };
  try {
    await run({ broker, client: newClient(), newClient });
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await broker.close();
  }
}

/** Resolves with the error the promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the operation to fail, but it succeeded');
}
