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

export interface ServiceBusQueueFunctionDefinition {
  kind: 'serviceBusQueue';
  name: string;
  queueName: string;
  connection: 'ServiceBusConnection';
  /** False for a bot with `strategy: none`: a plain queue, processed up to `maxConcurrentCalls` at once. */
  isSessionsEnabled: boolean;
  handler: ServiceBusMessageHandler;
}

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB, as the Functions host reads it. */
  schedule: string;
  runOnStartup: boolean;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export type FunctionDefinition = HttpFunctionDefinition | ServiceBusQueueFunctionDefinition | TimerFunctionDefinition;
