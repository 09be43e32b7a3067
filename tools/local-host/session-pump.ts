import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import functions from '@azure/functions';
import {
  isServiceBusError,
  type ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';
import type { ServiceBusQueueFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import { attachInvocationSignal } from '../../src/processing/invocation-signal.js';
import type { ServiceBusHostOptions } from './host-options.js';
import type { Log } from './log.js';

// @azure/functions is CommonJS: its classes come through the default export under ESM.
const { InvocationContext } = functions;

export interface SessionPumpOptions {
  client: ServiceBusClient;
  definition: ServiceBusQueueFunctionDefinition;
  hostOptions: Pick<ServiceBusHostOptions, 'maxConcurrentSessions' | 'sessionIdleTimeoutMs' | 'maxAutoLockRenewalDurationMs' | 'functionTimeoutMs'>;
  log: Log;
}

export interface SessionPumpStats {
  completed: number;
  /** Includes the timed-out ones. */
  abandoned: number;
  timedOut: number;
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

type WorkerState = { phase: 'accepting' } | { phase: 'session'; receiver: ServiceBusSessionReceiver; work: Promise<void> } | { phase: 'stopped' };

interface InFlight {
  receiver: ServiceBusSessionReceiver;
  message: ServiceBusReceivedMessage;
  settled: boolean;
}

type Outcome = { kind: 'returned' } | { kind: 'threw'; error: unknown };
const TIMED_OUT = Symbol('timed out');

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
          maxAutoLockRenewalDurationInMs: lockRenewalMs,
          abortSignal: stopController.signal,
        });
        failures = 0;
      } catch (error) {
        if (stopController.signal.aborted) break;
        if (isServiceBusError(error) && (error.code === 'ServiceTimeout' || error.code === 'SessionCannotBeLocked')) continue;
        failures++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        log.warn(functionName, `cannot accept a session on ${queueName} (retrying in ${delay} ms):`, describe(error));
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
          if (!stopController.signal.aborted) log.warn(functionName, `session ${receiver.sessionId} ended:`, describe(error));
        } finally {
          await receiver.close().catch((error: unknown) => log.debug(functionName, `closing session ${receiver.sessionId}:`, describe(error)));
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
      if (handled > 0 && Date.now() + idleTimeoutMs + releaseMarginMs > acceptedAt + lockRenewalMs) return;
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await receiver.receiveMessages(1, {
          maxWaitTimeInMs: idleTimeoutMs,
          abortSignal: stopController.signal,
        });
      } catch (error) {
        if (stopController.signal.aborted) return;
        throw error;
      }
      const message = messages[0];
      if (!message) return; // idle: release the session so another worker may take a busier one
      // A lock gone or about to go (a renewal failed and the SDK does not try again): the broker
      // hands the message to the next receiver of the session; running it here could run it twice.
      const lockLeftMs = receiver.sessionLockedUntilUtc.getTime() - Date.now();
      if (lockLeftMs < overdueMs) {
        log.warn(
          functionName,
          `the lock on session ${receiver.sessionId} ${lockLeftMs <= 0 ? 'expired' : `ends in ${lockLeftMs} ms and was not renewed`}; ` +
            `releasing the session without running message ${message.messageId} (it is delivered again to the next receiver)`,
        );
        return;
      }
      if ((await handle(receiver, message)) === 'release') return;
      handled++;
    }
  }

  /** Runs the handler for one message and settles it; 'release' when the session must be let go. */
  async function handle(receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage): Promise<'next' | 'release'> {
    const entry: InFlight = { receiver, message, settled: false };
    inFlight.add(entry);
    const which = `message ${message.messageId} of session ${message.sessionId} (delivery ${deliveryCountOf(message)})`;
    const sessionId = message.sessionId ?? '';
    if (hungBySession.has(sessionId)) {
      log.warn(
        functionName,
        `${which}: the session's timed-out invocation is still running; this delivery runs alongside it (the Functions host would have restarted the worker)`,
      );
    }
    const context = new InvocationContext({
      functionName,
      invocationId: randomUUID(),
      triggerMetadata: triggerMetadataOf(message),
      logHandler: log.forFunction(functionName),
    });
    // The host's cancellation, which the Node model cannot hand over: aborted at functionTimeout
    // and when the pump stops, so a handler waiting to retry in place gives up at once.
    const cancel = new AbortController();
    const onStop = () => cancel.abort(new Error('the host is shutting down'));
    stopController.signal.addEventListener('abort', onStop, { once: true });
    attachInvocationSignal(context, cancel.signal);
    const started = performance.now();
    const invocation: Promise<Outcome> = Promise.resolve()
      .then(() => definition.handler(bodyOf(message), context))
      .then(
        () => ({ kind: 'returned' }),
        (error: unknown) => ({ kind: 'threw', error: error ?? new Error('handler threw a nullish value') }),
      );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>(
      (resolve) =>
        (timer = setTimeout(() => {
          cancel.abort(new Error('functionTimeout'));
          resolve(TIMED_OUT);
        }, functionTimeoutMs)),
    );
    try {
      const outcome = await Promise.race([invocation, deadline]);
      clearTimeout(timer);
      if (entry.settled) return 'next'; // shutdown gave up waiting and abandoned it already
      entry.settled = true;
      if (outcome === TIMED_OUT) {
        stats.timedOut++;
        log.error(
          functionName,
          `timed out after ${functionTimeoutMs} ms (host.json functionTimeout) on ${which}; abandoning it for redelivery and releasing the session`,
        );
        hungBySession.set(sessionId, (hungBySession.get(sessionId) ?? 0) + 1);
        void invocation.then((late) => {
          const left = (hungBySession.get(sessionId) ?? 1) - 1;
          if (left > 0) hungBySession.set(sessionId, left);
          else hungBySession.delete(sessionId);
          log.warn(
            functionName,
            `the timed-out invocation for ${which} ${late.kind === 'threw' ? `threw (${describe(late.error)})` : 'returned'} after ${Math.round(performance.now() - started)} ms; ignored: its message was abandoned at the timeout`,
          );
        });
        await receiver.abandonMessage(message);
        stats.abandoned++;
        return 'release';
      }
      if (outcome.kind === 'returned') {
        await receiver.completeMessage(message);
        stats.completed++;
      } else {
        log.warn(functionName, `failed on ${which}; abandoning for redelivery:`, describe(outcome.error));
        await receiver.abandonMessage(message);
        stats.abandoned++;
      }
      return 'next';
    } catch (error) {
      // The lock was lost (or the broker went away): the message comes back on its own.
      log.warn(functionName, `could not settle ${which}:`, describe(error));
      return 'release';
    } finally {
      clearTimeout(timer);
      stopController.signal.removeEventListener('abort', onStop);
      inFlight.delete(entry);
    }
  }

  for (let i = 0; i < hostOptions.maxConcurrentSessions; i++) void runWorker(i);

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
      await Promise.allSettled(
        [...inFlight].map(async (entry) => {
          entry.settled = true;
          await entry.receiver.abandonMessage(entry.message);
        }),
      );
      await Promise.allSettled(
        workers.map((worker) => (worker.phase === 'session' ? worker.receiver.close() : Promise.resolve())),
      );
    },
  };
}

/** The body as the Functions host hands it to a Node handler: JSON parsed, else text. */
export function bodyOf(message: Pick<ServiceBusReceivedMessage, 'body'>): unknown {
  const body: unknown = message.body;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : body;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The host (built on the .NET SDK) counts the first delivery as 1; the JS SDK as 0. */
function deliveryCountOf(message: ServiceBusReceivedMessage): number {
  return (message.deliveryCount ?? 0) + 1;
}

/** `context.triggerMetadata` as the Functions host fills it for a Service Bus trigger (camel-cased). */
export function triggerMetadataOf(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const applicationProperties = { ...(message.applicationProperties ?? {}) };
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    deliveryCount: deliveryCountOf(message),
    enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
    expiresAtUtc: message.expiresAtUtc?.toISOString(),
    sequenceNumber: message.sequenceNumber?.toNumber(),
    lockToken: message.lockToken,
    contentType: message.contentType,
    correlationId: message.correlationId,
    subject: message.subject,
    label: message.subject,
    to: message.to,
    replyTo: message.replyTo,
    applicationProperties,
    userProperties: applicationProperties,
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
