import { ServiceBusClient, type ServiceBusClientOptions, type ServiceBusSessionReceiver } from '@azure/service-bus';
import {
  startDevBroker,
  type DevBrokerOptions,
  type DevQueueOptions,
  type RunningDevBroker,
} from '../../tools/dev-broker/start-dev-broker.js';

export interface BrokerFixture {
  broker: RunningDevBroker;
  client: ServiceBusClient;
  /** another client, as another process would be */
  newClient: (options?: ServiceBusClientOptions) => ServiceBusClient;
}

/** Quick failures: tests wait on the broker's answers, not on SDK retries. */
export const fastRetries: ServiceBusClientOptions = { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } };

/** A broker with the given queues and a real SDK client; everything is closed afterwards, even on failure. */
export async function withDevBroker(
  queues: DevQueueOptions[],
  run: (fixture: BrokerFixture) => Promise<void>,
  options: Omit<DevBrokerOptions, 'queues'> = {},
): Promise<void> {
  const broker = await startDevBroker({ ...options, queues });
  const clients: ServiceBusClient[] = [];
  const newClient = (clientOptions: ServiceBusClientOptions = fastRetries) => {
    const client = new ServiceBusClient(broker.connectionString, clientOptions);
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

/** A clock the test moves by hand, for lock expiry without waiting. */
export function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let current = start;
  return { now: () => current, advance: (ms) => void (current += ms) };
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

/** Polls until the condition holds (a broker timer is due); fails after a generous bound instead of hanging. */
export async function eventually(condition: () => boolean, what: string, withinMs = 5_000): Promise<void> {
  for (let attempt = 0; attempt < withinMs / 25; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * `client`, except that the first session it accepts comes back through `wrap`: a receiver in a state the
 * broker cannot be made to produce on cue (a lock that missed its renewal, a link the SDK closed); later
 * accepts are the real receivers.
 */
export function wrapFirstAcceptedSession(
  client: ServiceBusClient,
  wrap: (receiver: ServiceBusSessionReceiver) => ServiceBusSessionReceiver,
): ServiceBusClient {
  let accepts = 0;
  return new Proxy(client, {
    get(target, property) {
      if (property !== 'acceptNextSession') return Reflect.get(target, property, target) as unknown;
      return async (...args: Parameters<typeof target.acceptNextSession>) => {
        const receiver = await target.acceptNextSession(...args);
        return ++accepts === 1 ? wrap(receiver) : receiver;
      };
    },
  });
}
