import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceBusClient, ServiceBusReceiver } from '@azure/service-bus';
import type { ServiceBusQueueFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import { DEFAULT_SERVICE_BUS_HOST_OPTIONS, type ServiceBusHostOptions } from './host-options.js';
import {
  abandonInFlight,
  describeError,
  invokeAndSettle,
  invokeAndSettleMessages,
  type InFlight,
  type PumpStats,
} from './invoke-and-settle.js';
import { receiveBatch } from './receive-batch.js';
import { retryDelayMs } from './retry-delay.js';
import type { Log } from './log.js';

export interface MessagePumpOptions {
  client: ServiceBusClient;
  definition: ServiceBusQueueFunctionDefinition;
  hostOptions: Pick<ServiceBusHostOptions, 'maxConcurrentCalls' | 'maxAutoLockRenewalDurationMs' | 'functionTimeoutMs'> &
    Partial<Pick<ServiceBusHostOptions, 'maxMessageBatchSize' | 'clientRetryOptions'>>;
  log: Log;
}

export interface RunningMessagePump {
  readonly functionName: string;
  readonly queueName: string;
  stats(): PumpStats;
  /**
   * Stops receiving, lets handlers in flight finish for up to `graceMs`, then abandons what is
   * still running (it will be redelivered) and closes the receiver.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a queue function without sessions (a bot with `strategy: none`) the way the Functions
 * host's Service Bus extension does: one receiver, up to host.json `maxConcurrentCalls` messages
 * handled at once in no particular order, each settled like a session trigger's message (complete
 * on return, abandon on throw or past `functionTimeout`), its lock renewed for up to
 * `maxAutoLockRenewalDuration` (never less than `functionTimeout`).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
 *
 * A `cardinality: 'many'` definition runs as the extension's batch loop does
 * (ServiceBusListener.RunBatchReceiveLoopAsync in Azure/azure-sdk-for-net
 * sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Listeners/ServiceBusListener.cs):
 * one invocation at a time (`maxConcurrentCalls` does not apply), each with up to host.json
 * `maxMessageBatchSize` messages (waiting up to the client's `tryTimeout` for the first, then taking
 * what else is there), all completed when it returns, all abandoned when it throws or passes `functionTimeout`.
 * Their message locks are not renewed, as on Azure ("Lock renewal also doesn't apply to batch functions",
 * https://github.com/Azure/azure-sdk-for-net/issues/27979): a batch running past the queue's lockDuration
 * cannot be completed and comes back with its delivery count + 1.
 */
export function startMessagePump(options: MessagePumpOptions): RunningMessagePump {
  const { client, definition, hostOptions, log } = options;
  const { name: functionName, queueName } = definition;
  const { functionTimeoutMs } = hostOptions;
  const inFlight = new Set<InFlight>();
  const stats: PumpStats = { completed: 0, abandoned: 0, timedOut: 0 };
  const stopController = new AbortController();
  setMaxListeners(0, stopController.signal);
  const invocation = { definition, log, functionTimeoutMs, stats, inFlight, stopSignal: stopController.signal };
  const running = new Set<Promise<unknown>>();
  let stopping = false;
  const batchSize = hostOptions.maxMessageBatchSize ?? DEFAULT_SERVICE_BUS_HOST_OPTIONS.maxMessageBatchSize;
  // The host passes no wait to ReceiveMessagesAsync for a queue without sessions: the client's try timeout.
  const firstWaitMs = hostOptions.clientRetryOptions?.timeoutInMs ?? 60_000;

  /** Runs one invocation, known to stop() until it has settled. */
  async function track(work: Promise<unknown>): Promise<void> {
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
  }

  const receiver: ServiceBusReceiver = client.createReceiver(queueName, {
    receiveMode: 'peekLock',
    // 0 turns the SDK's renewal off: the host's batch loop renews no lock (see above).
    maxAutoLockRenewalDurationInMs:
      definition.cardinality === 'many' ? 0 : Math.max(hostOptions.maxAutoLockRenewalDurationMs, functionTimeoutMs),
  });
  async function runBatchLoop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      let messages;
      try {
        messages = await receiveBatch(receiver, batchSize, firstWaitMs, stopController.signal);
        failures = 0;
      } catch (error) {
        if (stopping) return;
        const delay = retryDelayMs(++failures);
        log.warn(functionName, `receiving from ${queueName} (retrying in ${delay} ms):`, describeError(error));
        await sleep(delay, undefined, { signal: stopController.signal }).catch(() => undefined);
        continue;
      }
      if (stopping) {
        // Received as the host began to stop: not run (stop() no longer waits for it), redelivered to the next host.
        await Promise.allSettled(messages.map((message) => receiver.abandonMessage(message)));
        return;
      }
      if (messages.length > 0) await track(invokeAndSettleMessages(invocation, receiver, messages));
    }
  }

  if (definition.cardinality === 'many') void runBatchLoop();
  const subscription =
    definition.cardinality === 'many'
      ? undefined
      : receiver.subscribe(
          {
            async processMessage(message) {
              if (stopping) {
                await receiver.abandonMessage(message).catch(() => undefined); // redelivered to the next host
                return;
              }
              await track(invokeAndSettle(invocation, receiver, message));
            },
            async processError({ error }) {
              if (stopping) return;
              log.warn(functionName, `receiving from ${queueName}:`, describeError(error));
              // The SDK retries on its own; do not spin on a broker that keeps failing.
              await sleep(500);
            },
          },
          // Settled by invokeAndSettle, as the host settles for autoCompleteMessages.
          { autoCompleteMessages: false, maxConcurrentCalls: hostOptions.maxConcurrentCalls },
        );

  return {
    functionName,
    queueName,
    stats: () => ({ ...stats }),
    async stop(graceMs = 30_000) {
      stopping = true;
      stopController.abort();
      await subscription?.close().catch((error: unknown) => log.debug(functionName, 'closing the subscription:', describeError(error)));
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        Promise.allSettled([...running]).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (gaveUp) {
        log.warn(functionName, `${inFlight.size} handler(s) still running after ${graceMs} ms; abandoning their messages for redelivery`);
        await abandonInFlight(inFlight);
      }
      await receiver.close().catch((error: unknown) => log.debug(functionName, 'closing the receiver:', describeError(error)));
    },
  };
}
