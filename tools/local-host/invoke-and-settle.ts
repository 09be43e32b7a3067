import { randomUUID } from 'node:crypto';
import functions from '@azure/functions';
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { ServiceBusQueueFunctionDefinition } from '../../src/functions-model/function-definitions.js';
import { attachInvocationSignal } from '../../src/processing/invocation-signal.js';
import type { Log } from './log.js';

// @azure/functions is CommonJS: its classes come through the default export under ESM.
const { InvocationContext } = functions;

/** What settles a message: a session receiver or a plain one (both have these two). */
export type Settler = Pick<ServiceBusReceiver, 'completeMessage' | 'abandonMessage'>;

export interface PumpStats {
  completed: number;
  /** Includes the timed-out ones. */
  abandoned: number;
  timedOut: number;
}

/** One message being handled; shutdown abandons the ones still unsettled when its grace runs out. */
export interface InFlight {
  receiver: Settler;
  message: ServiceBusReceivedMessage;
  settled: boolean;
}

export type HandlerOutcome = { kind: 'returned' } | { kind: 'threw'; error: unknown };

/**
 * - `completed` / `abandoned`: settled as the host does (handler returned / threw);
 * - `timedOut`: past `functionTimeout`, abandoned; `late` is the still-running invocation;
 * - `unsettled`: the settle call failed (lock lost, broker gone): the message comes back on its own;
 * - `alreadySettled`: shutdown abandoned it while the handler ran.
 */
export type SettleResult =
  { kind: 'completed' | 'abandoned' | 'unsettled' | 'alreadySettled' } | { kind: 'timedOut'; late: Promise<HandlerOutcome> };

const TIMED_OUT = Symbol('timed out');

export interface InvokeAndSettleOptions {
  definition: ServiceBusQueueFunctionDefinition;
  log: Log;
  functionTimeoutMs: number;
  stats: PumpStats;
  inFlight: Set<InFlight>;
  /** The pump's stop: aborts every running invocation's signal. */
  stopSignal: AbortSignal;
}

/**
 * Runs a queue function for one message the way the Functions host's Service Bus extension does,
 * for session and plain triggers alike: the body and `triggerMetadata` as the host hands them,
 * complete when the handler returns, abandon (redelivered) when it throws, and a handler still
 * running after host.json's `functionTimeout` fails: its message is abandoned. A promise cannot be
 * killed as the host kills the worker, so the hung invocation may still run; whatever it returns
 * later is logged and settles nothing.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#peeklock-behavior
 * https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout
 */
export async function invokeAndSettle(
  options: InvokeAndSettleOptions,
  receiver: Settler,
  message: ServiceBusReceivedMessage,
): Promise<SettleResult> {
  const { definition, log, functionTimeoutMs, stats, inFlight, stopSignal } = options;
  const functionName = definition.name;
  const entry: InFlight = { receiver, message, settled: false };
  inFlight.add(entry);
  const which = describeMessage(message);
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
  stopSignal.addEventListener('abort', onStop, { once: true });
  attachInvocationSignal(context, cancel.signal);
  const started = performance.now();
  const invocation: Promise<HandlerOutcome> = Promise.resolve()
    .then(() => {
      if (definition.cardinality === 'many') throw new Error(`${functionName}: the local host does not run cardinality "many" yet`);
      return definition.handler(bodyOf(message), context);
    })
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
    if (entry.settled) return { kind: 'alreadySettled' }; // shutdown gave up waiting and abandoned it already
    entry.settled = true;
    if (outcome === TIMED_OUT) {
      stats.timedOut++;
      log.error(
        functionName,
        `timed out after ${functionTimeoutMs} ms (host.json functionTimeout) on ${which}; abandoning it for redelivery`,
      );
      const late = invocation.then((result) => {
        log.warn(
          functionName,
          `the timed-out invocation for ${which} ${result.kind === 'threw' ? `threw (${describeError(result.error)})` : 'returned'} after ${Math.round(performance.now() - started)} ms; ignored: its message was abandoned at the timeout`,
        );
        return result;
      });
      await receiver.abandonMessage(message);
      stats.abandoned++;
      return { kind: 'timedOut', late };
    }
    if (outcome.kind === 'returned') {
      await receiver.completeMessage(message);
      stats.completed++;
      return { kind: 'completed' };
    }
    log.warn(functionName, `failed on ${which}; abandoning for redelivery:`, describeError(outcome.error));
    await receiver.abandonMessage(message);
    stats.abandoned++;
    return { kind: 'abandoned' };
  } catch (error) {
    // The lock was lost (or the broker went away): the message comes back on its own.
    log.warn(functionName, `could not settle ${which}:`, describeError(error));
    return { kind: 'unsettled' };
  } finally {
    clearTimeout(timer);
    stopSignal.removeEventListener('abort', onStop);
    inFlight.delete(entry);
  }
}

/** Abandons every message still in flight (shutdown's grace ran out): each will be redelivered. */
export async function abandonInFlight(inFlight: ReadonlySet<InFlight>): Promise<void> {
  await Promise.allSettled(
    [...inFlight].map(async (entry) => {
      entry.settled = true;
      await entry.receiver.abandonMessage(entry.message);
    }),
  );
}

export function describeMessage(message: ServiceBusReceivedMessage): string {
  const session = message.sessionId === undefined ? '' : ` of session ${message.sessionId}`;
  return `message ${String(message.messageId)}${session} (delivery ${deliveryCountOf(message)})`;
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

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
