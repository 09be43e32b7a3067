import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isServiceBusError,
  type ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';
import type { ServiceBusQueueFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import { DEFAULT_SERVICE_BUS_HOST_OPTIONS, type ServiceBusHostOptions } from './host-options.js';
import {
  abandonInFlight,
  describeError,
  describeMessages,
  invokeAndSettleMessages,
  type InFlight,
  type PumpStats,
} from './invoke-and-settle.js';
import { receiveBatch } from './receive-batch.js';
import { retryDelayMs } from './retry-delay.js';
import type { Log } from './log.js';

export interface SessionPumpOptions {
  client: ServiceBusClient;
  definition: ServiceBusQueueFunctionDefinition;
  hostOptions: Pick<
    ServiceBusHostOptions,
    'maxConcurrentSessions' | 'sessionIdleTimeoutMs' | 'maxAutoLockRenewalDurationMs' | 'functionTimeoutMs'
  > &
    Partial<Pick<ServiceBusHostOptions, 'maxMessageBatchSize'>>;
  log: Log;
}

export interface SessionPumpStats extends PumpStats {
  sessionsAccepted: number;
}

export interface RunningSessionPump {
  readonly functionName: string;
  readonly queueName: string;
  stats(): SessionPumpStats;
  /**
   * Releases sessions after `idleMs` without messages from now on (shutdown drains an
   * in-memory broker faster when a worker does not sit on an empty session for host.json's idle time).
   */
  shortenIdleTimeout(idleMs: number): void;
  /**
   * Stops accepting sessions, lets handlers in flight finish for up to `graceMs`, then
   * abandons what is still running (it will be redelivered) and closes every receiver.
   */
  stop(graceMs?: number): Promise<void>;
}

type WorkerState =
  { phase: 'accepting' } | { phase: 'session'; receiver: ServiceBusSessionReceiver; work: Promise<void> } | { phase: 'stopped' };

/**
 * Runs a session-enabled queue function the way the Functions host's Service Bus extension
 * does: up to `maxConcurrentSessions` sessions at once, each accepted with `acceptNextSession`,
 * its messages handled one at a time in order, completed when the handler returns, abandoned
 * when it throws; a session is released after `sessionIdleTimeout` without messages, and its
 * lock is renewed for up to `maxAutoLockRenewalDuration` (never less than `functionTimeout`).
 *
 * A handler still running after `functionTimeout` fails like on the host: its message is
 * abandoned (redelivered first) and its session released, so the session's next message cannot
 * start behind it on this receiver. A promise cannot be killed as the host kills the worker, so the
 * hung invocation may still run; whatever it returns later is logged and settles nothing.
 *
 * A `cardinality: 'many'` definition runs as the extension's batch loop does
 * (ServiceBusListener.RunBatchReceiveLoopAsync in Azure/azure-sdk-for-net
 * sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Listeners/ServiceBusListener.cs):
 * ONE session at a time per function (the loop "only executes functions at a concurrency level of 1";
 * `maxConcurrentSessions` does not apply, https://github.com/Azure/azure-sdk-for-net/issues/47981),
 * each receive takes up to host.json `maxMessageBatchSize` of the accepted session's available messages
 * in order (waiting up to `sessionIdleTimeout` for the first), one invocation gets them all, all are
 * completed when it returns and all abandoned when it throws or passes `functionTimeout`; an empty
 * receive releases the session. As on Azure, the batch loop does NOT renew the session lock
 * ("Lock renewal also doesn't apply to batch functions", https://github.com/Azure/azure-sdk-for-net/issues/27979;
 * https://github.com/Azure/azure-functions-dotnet-worker/issues/2953): the lock lasts the queue's
 * LockDuration from the accept ("If processing of the session requires longer than this duration, the
 * session-lock needs to be renewed",
 * https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.processsessionmessageeventargs.renewsessionlockasync).
 * A session kept busy past it loses the lock: the batch in flight cannot be completed (even though its
 * handler returned), the receiver is closed and the batch comes back with its delivery count + 1.
 */
export function startSessionPump(options: SessionPumpOptions): RunningSessionPump {
  const { client, definition, hostOptions, log } = options;
  const { name: functionName, queueName } = definition;
  const stopController = new AbortController();
  // Every worker's accept and receive listens to this one signal.
  setMaxListeners(0, stopController.signal);
  const workers: WorkerState[] = [];
  const inFlight = new Set<InFlight>();
  const stats: SessionPumpStats = { completed: 0, abandoned: 0, timedOut: 0, sessionsAccepted: 0 };
  let idleTimeoutMs = hostOptions.sessionIdleTimeoutMs;
  const { functionTimeoutMs } = hostOptions;
  // A session lock that stops being renewed before functionTimeout lets another receiver run the
  // same message while the first run still may (local-host warns when host.json allows that).
  const lockRenewalMs = Math.max(hostOptions.maxAutoLockRenewalDurationMs, functionTimeoutMs);
  const releaseMarginMs = Math.min(functionTimeoutMs, lockRenewalMs / 2);
  const invocation = { definition, log, functionTimeoutMs, stats, inFlight, stopSignal: stopController.signal };
  const batches = definition.cardinality === 'many';
  const batchSize = batches ? (hostOptions.maxMessageBatchSize ?? DEFAULT_SERVICE_BUS_HOST_OPTIONS.maxMessageBatchSize) : 1;
  const workerCount = batches ? 1 : hostOptions.maxConcurrentSessions;
  /** Timed-out invocations still running, per session. */
  const hungBySession = new Map<string, number>();

  async function runWorker(index: number): Promise<void> {
    let failures = 0;
    while (!stopController.signal.aborted) {
      workers[index] = { phase: 'accepting' };
      let receiver: ServiceBusSessionReceiver;
      try {
        receiver = await client.acceptNextSession(queueName, {
          receiveMode: 'peekLock',
          // 0 turns the SDK's renewal off: the host's batch loop never renews a session lock (see above).
          maxAutoLockRenewalDurationInMs: batches ? 0 : lockRenewalMs,
          abortSignal: stopController.signal,
        });
        failures = 0;
      } catch (error) {
        if (stopController.signal.aborted) break;
        if (isServiceBusError(error) && (error.code === 'ServiceTimeout' || error.code === 'SessionCannotBeLocked')) continue;
        const delay = retryDelayMs(++failures);
        log.warn(functionName, `cannot accept a session on ${queueName} (retrying in ${delay} ms):`, describeError(error));
        await sleep(delay, undefined, { signal: stopController.signal }).catch(() => undefined);
        continue;
      }
      stats.sessionsAccepted++;
      const acceptedAt = Date.now();
      const lockSpanMs = receiver.sessionLockedUntilUtc.getTime() - acceptedAt;
      const work = (async () => {
        try {
          await drainSession(receiver, acceptedAt, lockSpanMs);
        } catch (error) {
          if (!stopController.signal.aborted) log.warn(functionName, `session ${receiver.sessionId} ended:`, describeError(error));
        } finally {
          await receiver
            .close()
            .catch((error: unknown) => log.debug(functionName, `closing session ${receiver.sessionId}:`, describeError(error)));
        }
      })();
      workers[index] = { phase: 'session', receiver, work };
      await work;
    }
    workers[index] = { phase: 'stopped' };
  }

  async function drainSession(receiver: ServiceBusSessionReceiver, acceptedAt: number, lockSpanMs: number): Promise<void> {
    // The SDK renews a lock 10 s (or half the time left, if less) before it ends and, when a
    // renewal fails (say a 10 s timeout while the event loop was busy), never tries again. A lock
    // this close to its end has missed its renewal: it will expire under the next message.
    const overdueMs = Math.min(5_000, lockSpanMs / 4);
    let handled = 0;
    while (!stopController.signal.aborted) {
      // The SDK renews the session lock only until acceptedAt + lockRenewalMs ("the maximum duration
      // within which the session lock will be renewed automatically",
      // https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.servicebussessionprocessoroptions.maxautolockrenewalduration). A message started
      // too close to that end can outlive the lock: its completion then fails, and it runs again
      // (a duplicate for the target). Let the session go instead; the next accept, by this worker
      // or another, renews it afresh. The margin is functionTimeout (the longest a message may
      // run), but at most half the window, so renewal = functionTimeout still keeps a session for
      // a while; and at least one message per accept, so any host.json makes progress.
      // The batch loop renews nothing, so this does not apply to it: it keeps the session until a receive comes back empty.
      if (!batches && handled > 0 && Date.now() + idleTimeoutMs + releaseMarginMs > acceptedAt + lockRenewalMs) return;
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await receiveBatch(receiver, batchSize, idleTimeoutMs, stopController.signal);
      } catch (error) {
        if (stopController.signal.aborted) return;
        throw error;
      }
      const message = messages[0];
      if (!message) return; // idle: release the session so another worker may take a busier one
      // A lock gone or about to go (a renewal failed and the SDK does not try again): the broker
      // hands the message to the next receiver of the session; running it here could run it twice.
      // The batch loop has no renewal to miss: it runs what it received while the lock lasts, as the host
      // does, and only a lock already gone (the host's receive would have failed) is not run.
      const lockLeftMs = receiver.sessionLockedUntilUtc.getTime() - Date.now();
      if (batches ? lockLeftMs <= 0 : lockLeftMs < overdueMs) {
        log.warn(
          functionName,
          `the lock on session ${receiver.sessionId} ${lockLeftMs <= 0 ? 'expired' : `ends in ${lockLeftMs} ms and was not renewed`}; ` +
            `releasing the session without running ${messages.length === 1 ? `message ${String(message.messageId)}` : describeMessages(messages)} (delivered again to the next receiver)`,
        );
        return;
      }
      const next = await handle(receiver, messages);
      if (next === 'release') {
        if (batches && receiver.sessionLockedUntilUtc.getTime() <= Date.now()) {
          log.warn(
            functionName,
            `the lock on session ${receiver.sessionId} expired ${Date.now() - acceptedAt} ms after its accept (the queue's lockDuration, ${lockSpanMs} ms; ` +
              'a batch trigger never renews it, here as on Azure: https://github.com/Azure/azure-sdk-for-net/issues/27979): ' +
              `${describeMessages(messages)} could not be settled and will be delivered again`,
          );
        }
        return;
      }
      handled++;
    }
  }

  /** Runs the handler for one message (or one batch) and settles it; 'release' when the session must be let go. */
  async function handle(receiver: ServiceBusSessionReceiver, messages: ServiceBusReceivedMessage[]): Promise<'next' | 'release'> {
    const sessionId = messages[0]!.sessionId ?? '';
    if (hungBySession.has(sessionId)) {
      log.warn(
        functionName,
        `${describeMessages(messages)}: the session's timed-out invocation is still running; this delivery runs alongside it (the Functions host would have restarted the worker)`,
      );
    }
    const result = await invokeAndSettleMessages(invocation, receiver, messages);
    if (result.kind === 'timedOut') {
      // Released, so the session's next message cannot start behind the hung one on this receiver.
      hungBySession.set(sessionId, (hungBySession.get(sessionId) ?? 0) + 1);
      void result.late.then(() => {
        const left = (hungBySession.get(sessionId) ?? 1) - 1;
        if (left > 0) hungBySession.set(sessionId, left);
        else hungBySession.delete(sessionId);
      });
      return 'release';
    }
    return result.kind === 'unsettled' ? 'release' : 'next';
  }

  for (let i = 0; i < workerCount; i++) void runWorker(i);

  return {
    functionName,
    queueName,
    stats: () => ({ ...stats }),
    shortenIdleTimeout(idleMs) {
      idleTimeoutMs = Math.min(idleTimeoutMs, idleMs);
    },
    async stop(graceMs = 30_000) {
      stopController.abort();
      // Only workers holding a session matter: a pending accept holds no message (and the SDK
      // lets it run to its timeout despite the abort; closing the client ends it).
      const sessionWork = workers.flatMap((worker) => (worker.phase === 'session' ? [worker.work] : []));
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        Promise.all(sessionWork).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (!gaveUp) return;
      log.warn(functionName, `${inFlight.size} handler(s) still running after ${graceMs} ms; abandoning their messages for redelivery`);
      await abandonInFlight(inFlight);
      await Promise.allSettled(workers.map((worker) => (worker.phase === 'session' ? worker.receiver.close() : Promise.resolve())));
    },
  };
}

export { bodyOf, triggerMetadataOf } from './invoke-and-settle.js';
