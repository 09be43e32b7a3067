import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { RetryMode, type RetryOptions } from '@azure/service-bus';
import { parseTimeSpan } from '../../src/config/parse-time-span.js';

export { parseTimeSpan };

/**
 * What the Functions host reads from host.json `extensions.serviceBus` for Service Bus triggers.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
 */
export interface ServiceBusHostOptions {
  maxConcurrentSessions: number;
  /** Messages handled at once by a trigger without sessions (a bot with `strategy: none`), per instance. */
  maxConcurrentCalls: number;
  sessionIdleTimeoutMs: number;
  maxAutoLockRenewalDurationMs: number;
  /** host.json `functionTimeout`: how long one invocation may run before it fails and its message is abandoned. */
  functionTimeoutMs: number;
  /**
   * Most messages one invocation of a `cardinality: 'many'` trigger gets (host default 1000): for a
   * session trigger, up to this many of the one accepted session's messages, in order.
   * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
   */
  maxMessageBatchSize: number;
  /**
   * host.json `minMessageBatchSize` (host default 1). Above 1 the host holds partial batches back for up to
   * `maxBatchWaitTime` (ServiceBusListener's message cache); the local host does not (see batchSettingsWarning).
   */
  minMessageBatchSize: number;
  /** `clientRetryOptions`, translated for @azure/service-bus. `tryTimeout` also bounds how long an accept waits for a session. */
  clientRetryOptions: RetryOptions;
}

/** The Functions host's defaults when host.json says nothing. */
export const DEFAULT_SERVICE_BUS_HOST_OPTIONS: ServiceBusHostOptions = {
  maxConcurrentSessions: 8,
  // The host's default: 16 per processor.
  maxConcurrentCalls: 16 * availableParallelism(),
  // The host's default is the client's try timeout (60 s): an idle session is kept that long.
  sessionIdleTimeoutMs: 60_000,
  maxAutoLockRenewalDurationMs: 5 * 60_000,
  functionTimeoutMs: 5 * 60_000,
  maxMessageBatchSize: 1000,
  minMessageBatchSize: 1,
  clientRetryOptions: { mode: RetryMode.Exponential, timeoutInMs: 60_000, retryDelayInMs: 800, maxRetryDelayInMs: 60_000, maxRetries: 3 },
};

/**
 * Reads host.json like the host does, then the host's own environment overrides
 * (`AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentSessions=2`, …).
 */
export function readServiceBusHostOptions(hostJsonPath: string, env: NodeJS.ProcessEnv = process.env): ServiceBusHostOptions {
  let hostJson: {
    functionTimeout?: unknown;
    extensions?: { serviceBus?: Record<string, unknown> };
  };
  try {
    hostJson = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as typeof hostJson;
  } catch (error) {
    throw new Error(`Cannot read ${hostJsonPath}: ${(error as Error).message}`);
  }
  const fromFile = hostJson.extensions?.serviceBus ?? {};
  const pick = (name: string): unknown => env[`AzureFunctionsJobHost__extensions__serviceBus__${name}`] ?? fromFile[name];
  const where = (name: string) => `${hostJsonPath} extensions.serviceBus.${name}`;
  const d = DEFAULT_SERVICE_BUS_HOST_OPTIONS;
  const retry = (fromFile.clientRetryOptions ?? {}) as Record<string, unknown>;
  const retryAt = (name: string) => `${where('clientRetryOptions')}.${name}`;
  const mode = retry.mode ?? 'Exponential';
  if (mode !== 'Exponential' && mode !== 'Fixed')
    throw new Error(`${retryAt('mode')} must be "Exponential" or "Fixed", got ${JSON.stringify(mode)}`);
  return {
    maxConcurrentSessions: positiveInteger(pick('maxConcurrentSessions'), where('maxConcurrentSessions')) ?? d.maxConcurrentSessions,
    maxConcurrentCalls: positiveInteger(pick('maxConcurrentCalls'), where('maxConcurrentCalls')) ?? d.maxConcurrentCalls,
    sessionIdleTimeoutMs: timeSpanMs(pick('sessionIdleTimeout'), where('sessionIdleTimeout')) ?? d.sessionIdleTimeoutMs,
    maxAutoLockRenewalDurationMs:
      timeSpanMs(pick('maxAutoLockRenewalDuration'), where('maxAutoLockRenewalDuration')) ?? d.maxAutoLockRenewalDurationMs,
    maxMessageBatchSize: positiveInteger(pick('maxMessageBatchSize'), where('maxMessageBatchSize')) ?? d.maxMessageBatchSize,
    minMessageBatchSize: positiveInteger(pick('minMessageBatchSize'), where('minMessageBatchSize')) ?? d.minMessageBatchSize,
    functionTimeoutMs:
      timeSpanMs(env.AzureFunctionsJobHost__functionTimeout ?? hostJson.functionTimeout, `${hostJsonPath} functionTimeout`) ??
      d.functionTimeoutMs,
    clientRetryOptions: {
      mode: mode === 'Fixed' ? RetryMode.Fixed : RetryMode.Exponential,
      timeoutInMs: timeSpanMs(retry.tryTimeout, retryAt('tryTimeout')) ?? d.clientRetryOptions.timeoutInMs,
      retryDelayInMs: timeSpanMs(retry.delay, retryAt('delay')) ?? d.clientRetryOptions.retryDelayInMs,
      maxRetryDelayInMs: timeSpanMs(retry.maxDelay, retryAt('maxDelay')) ?? d.clientRetryOptions.maxRetryDelayInMs,
      maxRetries:
        retry.maxRetries === undefined ? d.clientRetryOptions.maxRetries : nonNegativeInteger(retry.maxRetries, retryAt('maxRetries')),
    },
  };
}

/**
 * A session lock renewed for less than `functionTimeout` is the double-run window: a handler still
 * running when renewal stops loses its session, another instance takes it and runs the same message
 * (and then the next) alongside it. The local pump renews for at least `functionTimeout`; Azure does not.
 */
export function lockRenewalWarning(
  options: Pick<ServiceBusHostOptions, 'maxAutoLockRenewalDurationMs' | 'functionTimeoutMs'>,
): string | undefined {
  const { maxAutoLockRenewalDurationMs: renewalMs, functionTimeoutMs: timeoutMs } = options;
  if (renewalMs >= timeoutMs) return undefined;
  return (
    `host.json extensions.serviceBus.maxAutoLockRenewalDuration (${renewalMs / 1000} s) is shorter than functionTimeout (${timeoutMs / 1000} s): ` +
    'in Azure a handler running past the renewal loses its session and another instance runs the same message alongside it; ' +
    'the local host renews for functionTimeout instead'
  );
}

/**
 * The local host runs every batch with what is available at once, as the host does with the default
 * `minMessageBatchSize` 1; a larger minimum (the host then waits up to `maxBatchWaitTime` to fill a
 * batch) is not mirrored, so local batches can be smaller than on Azure.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
 */
export function batchSettingsWarning(options: Pick<ServiceBusHostOptions, 'minMessageBatchSize'>): string | undefined {
  if (options.minMessageBatchSize <= 1) return undefined;
  return (
    `host.json extensions.serviceBus.minMessageBatchSize is ${options.minMessageBatchSize}: the local host does not wait to fill a batch ` +
    '(it runs what is available, as with the default 1), so cardinality "many" functions may get smaller batches here than on Azure'
  );
}

/** host.json `extensions.http.routePrefix` (default `api`; `""` serves functions at the root). */
export function readHttpRoutePrefix(hostJsonPath: string): string {
  const hostJson = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as { extensions?: { http?: { routePrefix?: unknown } } };
  const prefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  if (typeof prefix !== 'string') throw new Error(`${hostJsonPath} extensions.http.routePrefix must be a string`);
  return prefix.replace(/^\/+|\/+$/g, '');
}

function nonNegativeInteger(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${where} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function positiveInteger(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${where} must be a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

function timeSpanMs(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseTimeSpan(value) : undefined;
  if (ms === undefined) throw new Error(`${where} must be a time span such as "00:00:05", got ${JSON.stringify(value)}`);
  return ms;
}
