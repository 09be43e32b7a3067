import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastGlob from 'fast-glob';
import { readBots } from '../../../src/bots/load-bots.js';
import { DeployRefusal } from './az.js';

/**
 * Loads a staged app package the way the Functions Node.js worker does, and says what the host
 * would index. The worker imports every file matched by package.json `main` (a glob, read with
 * globby/fast-glob); `@azure/functions` 4.x then finds the worker through
 * `require('@azure/functions-core')` and calls `registerFunction(metadata, callback)` for each
 * `app.http` / `app.serviceBusQueue` / `app.timer` and `registerHook(name, callback)` for each
 * `app.hook.*`. Without that module it falls back to "test mode" and registers nothing.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4#folder-structure
 * (the `main` field) and #registering-a-function.
 */

/** One binding of a function as the host receives it (`toCoreFunctionMetadata` in @azure/functions). */
export interface IndexedBinding {
  type: string;
  direction: 'in' | 'out';
  [option: string]: unknown;
}

export interface IndexedFunction {
  name: string;
  bindings: Record<string, IndexedBinding>;
}

export interface PackageLoad {
  /** Files of package.json `main`, relative to the package. */
  files: string[];
  /** Files whose import threw, with the error (the host would register nothing from them). */
  failures: Array<{ file: string; error: string }>;
  functions: IndexedFunction[];
  /** `appStart`, `appTerminate`, … in registration order. */
  hooks: string[];
  /** What `setProgrammingModel` received (`@azure/functions` and its version). */
  programmingModel: { name: string; version: string } | undefined;
}

/**
 * App settings the check loads the package with: the names infra/main.bicep sets in Azure
 * (identity-based connections, a user-assigned identity), with values that open no
 * connection. Application Insights stays off: starting its exporter would reach the network.
 */
export const verificationSettings: Readonly<Record<string, string>> = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  AzureWebJobsStorage__blobServiceUri: 'https://verify.blob.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://verify.table.core.windows.net',
  AzureWebJobsStorage__queueServiceUri: 'https://verify.queue.core.windows.net',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
  ServiceBusConnection__fullyQualifiedNamespace: 'verify.servicebus.windows.net',
  ServiceBusConnection__credential: 'managedidentity',
  ServiceBusConnection__clientId: '00000000-0000-0000-0000-000000000001',
  GITHUB_WEBHOOK_SECRET: 'verify-package-loads',
  JOURNAL_PATH: '/tmp/session-router/journal.jsonl',
};

/** The recording stand-in for the worker's module, CommonJS as `@azure/functions` requires it. */
const functionsCoreStandIn = `'use strict';
const recorded = (globalThis[Symbol.for('session-router.verify-package-loads')] ??= { functions: [], hooks: [], programmingModel: undefined });
const disposable = { dispose() {} };
module.exports = {
  setProgrammingModel(model) { recorded.programmingModel = { name: model.name, version: model.version }; },
  getProgrammingModel() { return undefined; },
  registerFunction(metadata, callback) {
    if (typeof callback !== 'function') throw new TypeError('registerFunction: ' + metadata.name + ' has no callback');
    recorded.functions.push(JSON.parse(JSON.stringify({ name: metadata.name, bindings: metadata.bindings })));
    return disposable;
  },
  registerHook(hookName, callback) {
    if (typeof callback !== 'function') throw new TypeError('registerHook: ' + hookName + ' has no callback');
    recorded.hooks.push(hookName);
    return disposable;
  },
  // Present from host 4.28; app.setup({ enableHttpStream }) refuses to run without it.
  log() {},
};
`;

/** Runs in the child: imports each file as the worker would (ESM: import()), then reports. */
const loader = `
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
const [report, ...files] = process.argv.slice(1);
const failures = [];
for (const file of files) {
  try { await import(pathToFileURL(path.resolve(file)).href); }
  catch (error) { failures.push({ file, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }); }
}
const recorded = globalThis[Symbol.for('session-router.verify-package-loads')] ?? { functions: [], hooks: [], programmingModel: undefined };
await writeFile(report, JSON.stringify({ files, failures, ...recorded }));
// The app may hold timers or sockets (clients, telemetry); the worker would keep running, we are done.
process.exit(0);
`;

/**
 * Imports every file of the staged package's `main` in a child Node process whose only
 * environment is `settings`, with the stand-in resolvable there alone (NODE_PATH, outside the
 * package, so it never ships). Returns what was registered and what failed to load.
 */
export async function loadPackage(stage: string, settings: Readonly<Record<string, string>> = verificationSettings): Promise<PackageLoad> {
  const packageJson = JSON.parse(await readFile(join(stage, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof packageJson.main !== 'string' || packageJson.main.trim() === '') {
    throw new DeployRefusal('package.json has no "main": the Functions worker would find no function files');
  }
  const files = (await fastGlob(packageJson.main, { cwd: stage, onlyFiles: true })).sort();
  if (files.length === 0)
    throw new DeployRefusal(`no file in the package matches package.json "main" (${packageJson.main}): run \`npm run build\``);

  const scratch = await mkdtemp(join(tmpdir(), 'verify-package-loads-'));
  try {
    const standIn = join(scratch, 'modules', '@azure', 'functions-core');
    await mkdir(standIn, { recursive: true });
    await writeFile(
      join(standIn, 'package.json'),
      JSON.stringify({ name: '@azure/functions-core', version: '0.0.0-stand-in', main: 'index.js' }),
    );
    await writeFile(join(standIn, 'index.js'), functionsCoreStandIn);
    const report = join(scratch, 'report.json');
    const result = await runNode(['--input-type=module', '--eval', loader, report, ...files], stage, {
      ...settings,
      NODE_PATH: join(scratch, 'modules'),
      PATH: process.env.PATH ?? '',
    });
    if (result.code !== 0) {
      throw new DeployRefusal(`loading the package's functions crashed (exit ${result.code}):\n${result.stderr.trim()}`);
    }
    return JSON.parse(await readFile(report, 'utf8')) as PackageLoad;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Refuses a load the host could not serve: a file that did not import, or a bot of `botsJson`
 * without its session trigger, or no webhook. Names each problem.
 */
export function checkPackageLoad(load: PackageLoad, botsJson: unknown): void {
  const problems: string[] = [];
  for (const failure of load.failures) {
    problems.push(`${failure.file} does not load: ${failure.error.split('\n').slice(0, 2).join(' ')}`);
  }
  const triggers = load.functions.map((f) => ({ name: f.name, trigger: Object.values(f.bindings).find((b) => /trigger$/i.test(b.type)) }));
  const webhook = triggers.find(
    (t) =>
      t.trigger?.type === 'httpTrigger' &&
      t.trigger.route === 'github/webhooks' &&
      Array.isArray(t.trigger.methods) &&
      t.trigger.methods.includes('POST'),
  );
  if (webhook === undefined) problems.push('no function serves POST github/webhooks: GitHub deliveries would get 404');
  for (const bot of readBots({ json: botsJson, source: 'the packaged bots.json' }).bots) {
    const trigger = triggers.find(
      (t) =>
        t.trigger?.type === 'serviceBusTrigger' &&
        t.trigger.queueName === bot.queue &&
        t.trigger.connection === 'ServiceBusConnection' &&
        t.trigger.isSessionsEnabled === true,
    )?.trigger;
    if (trigger === undefined) problems.push(`bot ${bot.name} has no session-enabled Service Bus trigger on queue ${bot.queue}`);
    // The host defaults a trigger without it to "one": a batch handler would then be handed single messages.
    else if ((trigger.cardinality ?? 'one') !== bot.cardinality) {
      problems.push(
        `bot ${bot.name} has cardinality "${bot.cardinality}" in bots.json, but its trigger is registered with ${JSON.stringify(trigger.cardinality ?? 'one')}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new DeployRefusal(`the package would not run in Azure (nothing was uploaded):\n  ${problems.join('\n  ')}`);
  }
}

/** Loads the staged package and refuses it unless the host would index every function. */
export async function verifyPackageLoads(stage: string, log: (line: string) => void = () => undefined): Promise<PackageLoad> {
  const load = await loadPackage(stage);
  const bots = JSON.parse(await readFile(join(stage, 'dist/src/bots/bots.json'), 'utf8')) as unknown;
  checkPackageLoad(load, bots);
  log(
    `the package loads: ${load.functions.length} functions from ${load.files.length} files (${load.functions.map((f) => f.name).join(', ')})`,
  );
  return load;
}

function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
