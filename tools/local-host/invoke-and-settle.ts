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
  /** Messages completed (a batch counts each of its messages). */
  completed: number;
  /** Messages abandoned; includes the timed-out ones. */
  abandoned: number;
  /** Invocations past functionTimeout. */
  timedOut: number;
}

/** One invocation being handled; shutdown abandons the messages still unsettled when its grace runs out. */
export interface InFlight {
  receiver: Settler;
  messages: readonly ServiceBusReceivedMessage[];
  settled: boolean;
}

export type HandlerOutcome = { kind: 'returned' } | { kind: 'threw'; error: unknown };

/**
 * - `completed` / `abandoned`: settled as the host does (handler returned / threw);
 * - `timedOut`: past `functionTimeout`, abandoned; `late` is the still-running invocation;
 * - `unsettled`: a settle call failed (lock lost, broker gone): the message comes back on its own;
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
  return invokeAndSettleMessages(options, receiver, [message]);
}

/**
 * Runs a queue function for a run of messages: one invocation with every message for a
 * `cardinality: 'many'` definition (the bodies as an array and the trigger metadata as
 * `…Array` entries lined up with them), then, as the host's batch loop does
 * (ServiceBusListener.TriggerAndCompleteMessagesInternal in Azure/azure-sdk-for-net
 * sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Listeners/ServiceBusListener.cs),
 * completes them all when it returns and abandons them all when it throws or passes `functionTimeout`.
 * A `cardinality: 'one'` definition gets exactly one message.
 */
export async function invokeAndSettleMessages(
  options: InvokeAndSettleOptions,
  receiver: Settler,
  messages: readonly ServiceBusReceivedMessage[],
): Promise<SettleResult> {
  const { definition, log, functionTimeoutMs, stats, inFlight, stopSignal } = options;
  const functionName = definition.name;
  if (messages.length === 0) throw new Error(`${functionName}: an invocation needs at least one message`);
  if (definition.cardinality === 'one' && messages.length !== 1)
    throw new Error(`${functionName}: a cardinality "one" function takes one message per invocation, got ${messages.length}`);
  const entry: InFlight = { receiver, messages, settled: false };
  inFlight.add(entry);
  const which = describeMessages(messages);
  const context = new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    triggerMetadata: definition.cardinality === 'many' ? batchTriggerMetadataOf(messages) : triggerMetadataOf(messages[0]!),
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
    .then(() =>
      definition.cardinality === 'many'
        ? definition.handler(messages.map(bodyOf), context)
        : definition.handler(bodyOf(messages[0]!), context),
    )
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
        `timed out after ${functionTimeoutMs} ms (host.json functionTimeout) on ${which}; abandoning ${messages.length === 1 ? 'it' : 'them all'} for redelivery`,
      );
      const late = invocation.then((result) => {
        log.warn(
          functionName,
          `the timed-out invocation for ${which} ${result.kind === 'threw' ? `threw (${describeError(result.error)})` : 'returned'} after ${Math.round(performance.now() - started)} ms; ignored: ${messages.length === 1 ? 'its message was' : 'its messages were'} abandoned at the timeout`,
        );
        return result;
      });
      await settleAll(messages, (message) => receiver.abandonMessage(message));
      stats.abandoned += messages.length;
      return { kind: 'timedOut', late };
    }
    if (outcome.kind === 'returned') {
      await settleAll(messages, (message) => receiver.completeMessage(message));
      stats.completed += messages.length;
      return { kind: 'completed' };
    }
    log.warn(functionName, `failed on ${which}; abandoning for redelivery:`, describeError(outcome.error));
    await settleAll(messages, (message) => receiver.abandonMessage(message));
    stats.abandoned += messages.length;
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

/**
 * Settles every message at once, as the host does (Task.WhenAll over CompleteMessageAsync /
 * AbandonMessageAsync); every settle is tried even when one fails, then the first failure is thrown.
 */
async function settleAll(
  messages: readonly ServiceBusReceivedMessage[],
  settle: (message: ServiceBusReceivedMessage) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(messages.map(settle));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Abandons every message still in flight (shutdown's grace ran out): each will be redelivered. */
export async function abandonInFlight(inFlight: ReadonlySet<InFlight>): Promise<void> {
  await Promise.allSettled(
    [...inFlight].flatMap((entry) => {
      entry.settled = true;
      return entry.messages.map((message) => entry.receiver.abandonMessage(message));
    }),
  );
}

export function describeMessage(message: ServiceBusReceivedMessage): string {
  const session = message.sessionId === undefined ? '' : ` of session ${message.sessionId}`;
  return `message ${String(message.messageId)}${session} (delivery ${deliveryCountOf(message)})`;
}

/** "message m of session s (delivery 1)", or for a run "3 messages m1 … m3 of session s (delivery 1)". */
export function describeMessages(messages: readonly ServiceBusReceivedMessage[]): string {
  if (messages.length === 1) return describeMessage(messages[0]!);
  const first = messages[0]!;
  const last = messages[messages.length - 1]!;
  const session = first.sessionId === undefined ? '' : ` of session ${first.sessionId}`;
  const deliveries = [...new Set(messages.map(deliveryCountOf))].join('/');
  return `${messages.length} messages ${String(first.messageId)} … ${String(last.messageId)}${session} (delivery ${deliveries})`;
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

/**
 * `context.triggerMetadata` as the Functions host fills it for a batch (`cardinality: 'many'`): one
 * array per property, entry i for message i, names as the Node worker camel-cases them
 * (ServiceBusTriggerBindingStrategy.AddBindingData(…, ServiceBusReceivedMessage[] messages) in
 * Azure/azure-sdk-for-net sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Triggers/).
 * There is no single `sessionId` for a batch: `sessionIdArray` has it once per message.
 */
export function batchTriggerMetadataOf(messages: readonly ServiceBusReceivedMessage[]): Record<string, unknown[]> {
  const each = messages.map(triggerMetadataOf);
  const column = (name: string) => each.map((metadata) => metadata[name]);
  return {
    messageIdArray: column('messageId'),
    sequenceNumberArray: column('sequenceNumber'),
    deliveryCountArray: column('deliveryCount'),
    enqueuedTimeUtcArray: column('enqueuedTimeUtc'),
    expiresAtUtcArray: column('expiresAtUtc'),
    applicationPropertiesArray: column('applicationProperties'),
    userPropertiesArray: column('userProperties'),
    sessionIdArray: column('sessionId'),
    contentTypeArray: column('contentType'),
    correlationIdArray: column('correlationId'),
    subjectArray: column('subject'),
    labelArray: column('label'),
    toArray: column('to'),
    replyToArray: column('replyTo'),
    lockTokenArray: column('lockToken'),
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
