import type { HttpHandler, HttpMethod, InvocationContext, Timer } from '@azure/functions';

/**
 * One description of each function, used by both hosts: `src/functions/*.ts` hand them to
 * the Azure Functions host (`app.http`, `app.serviceBusQueue`, `app.timer`), and the local
 * host (`npm start`) serves and pumps exactly the same handlers.
 */
export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  /** Route below `/api/`, e.g. `github/webhooks` or `sessions/{bot}/{sessionId}`. */
  route: string;
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function' | 'admin';
  handler: HttpHandler;
}

export type ServiceBusMessageHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/**
 * `cardinality: 'many'`: the host hands the function a batch of one session's messages in order, and
 * the trigger metadata as arrays (`messageIdArray`, `sequenceNumberArray`, `deliveryCountArray`, …, one
 * entry per message). The host completes the whole batch when the handler returns and abandons the
 * whole batch when it throws (the Node model settles nothing per message).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
 */
export type ServiceBusBatchHandler = (messages: unknown[], context: InvocationContext) => Promise<void>;

interface ServiceBusQueueTrigger {
  kind: 'serviceBusQueue';
  name: string;
  queueName: string;
  connection: 'ServiceBusConnection';
  /** False for a bot with `strategy: none`: a plain queue, processed up to `maxConcurrentCalls` at once. */
  isSessionsEnabled: boolean;
}

export type ServiceBusQueueFunctionDefinition =
  | (ServiceBusQueueTrigger & { cardinality: 'one'; handler: ServiceBusMessageHandler })
  | (ServiceBusQueueTrigger & { cardinality: 'many'; handler: ServiceBusBatchHandler });

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB, as the Functions host reads it. */
  schedule: string;
  runOnStartup: boolean;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export type FunctionDefinition = HttpFunctionDefinition | ServiceBusQueueFunctionDefinition | TimerFunctionDefinition;
