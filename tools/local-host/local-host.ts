import path from 'node:path';
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  ServiceBusQueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../../src/functions-model/function-definitions.js';
import type { BotDefinition } from '../../src/bots/bot-config-schema.js';
import { readSettings, webhookSecretWarnings, type Settings } from '../../src/config/settings.js';
import { batchLockNotes } from '../../src/bots/fit-retries-in-batch-lock.js';
import { createServiceBusClient } from '../../src/transport/service-bus-connection.js';
import { formatBanner, type BannerInfo } from './banner.js';
import {
  batchSettingsWarning,
  lockRenewalWarning,
  readHttpRoutePrefix,
  readServiceBusHostOptions,
  type ServiceBusHostOptions,
} from './host-options.js';
import { startHttpHost, type RunningHttpHost } from './http-host.js';
import { applyLocalSettings, ensureLocalSettings, readLocalSettings } from './local-settings.js';
import { ensureServiceBus, type StartedBroker } from './local-service-bus.js';
import { ensureStorage } from './local-storage.js';
import type { Log } from './log.js';
import { startMessagePump, type RunningMessagePump } from './message-pump.js';
import { startSessionPump, type RunningSessionPump } from './session-pump.js';
import { startTimers, type RunningTimers } from './timer-host.js';

/** What the app's composition hands the local host: the functions, and how to release its clients. */
export interface LocalApp {
  definitions: FunctionDefinition[];
  close?(): Promise<void>;
}

/** The single seam between the local host and the app: settings in, function definitions out. */
export type BuildDefinitions = (settings: Settings) => Promise<FunctionDefinition[] | LocalApp>;

export interface LocalHostOptions {
  /** Folder with host.json, local.settings.json and its sample. */
  projectRoot: string;
  /** Mutated like the Functions host does it: settings become environment variables. */
  env: NodeJS.ProcessEnv;
  /** `--port` from the command line, which wins over LOCAL_HTTP_PORT. */
  httpPort?: number;
  buildDefinitions: BuildDefinitions;
  loadBots(settings: Settings): BotDefinition[] | Promise<BotDefinition[]>;
  /** Starts the development broker on `port` with a queue per bot. */
  startBroker(port: number, bots: readonly BotDefinition[]): Promise<StartedBroker>;
  log: Log;
}

export interface RunningLocalHost {
  banner: string;
  httpPort: number;
  readyMs: number;
  /** Clean shutdown: no new requests, queued messages drained (own broker), handlers finished or abandoned. */
  stop(): Promise<void>;
}

const SAMPLE_SETTINGS_FILE = 'local.settings.sample.json';

/**
 * `npm start`: settings → storage → Service Bus → the app's functions → HTTP, session pumps,
 * timers. Everything started is stopped again, in reverse order, if a later step fails.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const started = performance.now();
  const { env, log, projectRoot } = options;
  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  const cleanUp = async () => {
    for (const { name, run } of cleanups.reverse()) {
      await run().catch((error: unknown) => log.warn('local-host', `stopping ${name}:`, error));
    }
    cleanups.length = 0;
  };

  try {
    const settingsPath = path.resolve(projectRoot, env.LOCAL_SETTINGS_FILE ?? 'local.settings.json');
    const samplePath = path.resolve(projectRoot, SAMPLE_SETTINGS_FILE);
    const created = ensureLocalSettings(settingsPath, samplePath);
    if (created) log.info('settings', `created ${displayPath(settingsPath)} from ${SAMPLE_SETTINGS_FILE}`);
    const file = readLocalSettings(settingsPath);
    const applied = applyLocalSettings(file.Values ?? {}, env);
    const secretFromEnvironment = applied.fromEnvironment.includes('GITHUB_WEBHOOK_SECRET');

    // Settings and bots are checked before anything starts: a bad value stops start-up with its name.
    const bots = await options.loadBots(readSettings(env));
    const drainTimeoutMs = drainTimeoutFrom(env.LOCAL_DRAIN_TIMEOUT_MS);

    const storage = await ensureStorage(env, log);
    cleanups.push({ name: 'storage', run: () => storage.stop() });
    const bus = await ensureServiceBus(env, (port) => options.startBroker(port, bots), log);
    cleanups.push({ name: 'Service Bus', run: () => bus.close() });

    const settings = readSettings(env);
    for (const warning of webhookSecretWarnings(settings)) log.warn('settings', warning);
    for (const note of batchLockNotes(bots)) log.info('bots', note);
    const built = await options.buildDefinitions(settings);
    const app: LocalApp = Array.isArray(built) ? { definitions: built } : built;
    if (app.close) cleanups.push({ name: 'app', run: () => app.close!() });
    assertUniqueNames(app.definitions);

    const hostJson = path.resolve(projectRoot, 'host.json');
    const hostOptions = readServiceBusHostOptions(hostJson, env);
    const renewalWarning = lockRenewalWarning(hostOptions);
    if (renewalWarning) log.warn('local-host', renewalWarning);
    const batchWarning = batchSettingsWarning(hostOptions);
    if (batchWarning) log.warn('local-host', batchWarning);
    const routePrefix = readHttpRoutePrefix(hostJson);
    const http = await startHttpHost({
      definitions: app.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http'),
      port: options.httpPort ?? httpPortFrom(env.LOCAL_HTTP_PORT) ?? file.Host?.LocalHttpPort ?? 7071,
      host: env.LOCAL_HTTP_HOST || '127.0.0.1',
      routePrefix,
      functionKey: env.LOCAL_FUNCTION_KEY || undefined,
      log,
    });
    cleanups.push({ name: 'HTTP', run: () => http.close() });

    const queueFunctions = app.definitions.filter((d): d is ServiceBusQueueFunctionDefinition => d.kind === 'serviceBusQueue');
    const sessionPumps: RunningSessionPump[] = [];
    const messagePumps: RunningMessagePump[] = [];
    if (queueFunctions.length > 0) {
      // The app's own client factory, so the pumps connect exactly as the deployed triggers' settings say.
      const client = createServiceBusClient(settings, { retryOptions: hostOptions.clientRetryOptions });
      cleanups.push({ name: 'Service Bus client', run: () => client.close() });
      for (const definition of queueFunctions) {
        // A session trigger takes sessions one per worker; a plain one (strategy none) takes messages in parallel.
        if (definition.isSessionsEnabled) sessionPumps.push(startSessionPump({ client, definition, hostOptions, log }));
        else messagePumps.push(startMessagePump({ client, definition, hostOptions, log }));
      }
      cleanups.push({
        name: 'queue pumps',
        run: async () => {
          if (bus.pendingMessages) {
            for (const pump of sessionPumps) pump.shortenIdleTimeout(200);
            await drain(bus.pendingMessages, drainTimeoutMs, log);
          }
          const graceMs = Math.min(hostOptions.functionTimeoutMs, 30_000);
          await Promise.all([...sessionPumps, ...messagePumps].map((pump) => pump.stop(graceMs)));
        },
      });
    }

    const timers: RunningTimers = startTimers(
      app.definitions.filter((d): d is TimerFunctionDefinition => d.kind === 'timer'),
      log,
    );
    cleanups.push({ name: 'timers', run: () => timers.stop() });

    const readyMs = performance.now() - started;
    const banner = formatBanner(
      bannerInfo({
        readyMs,
        http,
        routePrefix,
        definitions: app.definitions,
        settings,
        sampleSecret: readLocalSettings(samplePath).Values?.GITHUB_WEBHOOK_SECRET,
        secretSource: secretFromEnvironment ? 'the environment' : path.basename(settingsPath),
        functionKey: env.LOCAL_FUNCTION_KEY ? 'LOCAL_FUNCTION_KEY' : 'any',
        bots,
        hostOptions,
        timers,
        storage: storage.description,
        serviceBus: bus.description,
        settingsText:
          `${path.basename(settingsPath)}${created ? ' (created from the sample)' : ''}` +
          (applied.fromEnvironment.length ? ` · from the environment: ${applied.fromEnvironment.join(', ')}` : ''),
      }),
    );

    let stopping: Promise<void> | undefined;
    return {
      banner,
      httpPort: http.port,
      readyMs,
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Waits until the in-memory broker's queues are empty: what is still queued would die with it. */
async function drain(pendingMessages: () => number, timeoutMs: number, log: Log): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = pendingMessages();
  if (pending === 0) return;
  log.info('local-host', `letting ${pending} queued message(s) finish before the in-memory broker stops (Ctrl-C again to force)`);
  while (pending > 0) {
    if (Date.now() >= deadline) {
      log.warn(
        'local-host',
        `gave up draining after ${timeoutMs} ms: ${pending} message(s) still queued are lost with the in-memory broker`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    pending = pendingMessages();
  }
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/** `LOCAL_DRAIN_TIMEOUT_MS`: how long Ctrl-C lets the in-memory queues empty; default 30 s, 0 = not at all. */
export function drainTimeoutFrom(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 30_000;
  const ms = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(ms)) {
    throw new Error(`LOCAL_DRAIN_TIMEOUT_MS must be a whole number of milliseconds (0 = do not wait), got "${text}"`);
  }
  return ms;
}

function httpPortFrom(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`LOCAL_HTTP_PORT must be a port number (0 = any free port), got "${text}"`);
  return port;
}

function assertUniqueNames(definitions: readonly FunctionDefinition[]): void {
  const seen = new Set<string>();
  for (const { name } of definitions) {
    if (seen.has(name)) throw new Error(`Two functions are named "${name}"; function names must be unique`);
    seen.add(name);
  }
}

function bannerInfo(input: {
  readyMs: number;
  http: RunningHttpHost;
  routePrefix: string;
  definitions: readonly FunctionDefinition[];
  settings: Settings;
  sampleSecret: string | undefined;
  secretSource: string;
  functionKey: BannerInfo['functionKey'];
  bots: readonly BotDefinition[];
  hostOptions: ServiceBusHostOptions;
  timers: RunningTimers;
  storage: string;
  serviceBus: string;
  settingsText: string;
}): BannerInfo {
  const http = input.definitions
    .filter((d): d is HttpFunctionDefinition => d.kind === 'http')
    .map((d) => ({ name: d.name, methods: d.methods, route: d.route, authLevel: d.authLevel }));
  const webhook = http.find((f) => /webhook/i.test(f.route)) ?? http.find((f) => f.methods.includes('POST'));
  const secret = input.settings.GITHUB_WEBHOOK_SECRET;
  return {
    readyMs: input.readyMs,
    baseUrl: input.http.baseUrl,
    routePrefix: input.routePrefix,
    http,
    webhookFunction: webhook?.name,
    secret:
      secret === undefined
        ? { kind: 'missing' }
        : secret === input.sampleSecret
          ? { kind: 'sample', value: secret }
          : { kind: 'configured', source: input.secretSource, rotating: input.settings.GITHUB_WEBHOOK_SECRET_PREVIOUS !== undefined },
    functionKey: input.functionKey,
    bots: input.bots,
    sessions: input.hostOptions,
    timers: input.timers.nextRuns(),
    journalPath: input.bots.some((b) => b.target.type === 'journal') ? path.resolve(input.settings.JOURNAL_PATH) : undefined,
    storage: input.storage,
    serviceBus: input.serviceBus,
    settings: input.settingsText,
  };
}
