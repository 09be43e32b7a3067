import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { createApp } from '../../src/app/create-app.js';
import { loadBots } from '../../src/bots/load-bots.js';
import type { BotModuleRegistry } from '../../src/targets/module-registry.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import type { DevQueueOptions } from '../../tools/dev-broker/dev-queue.js';
import { queueOptionsFromBots } from '../../tools/dev-broker/queue-options-from-bots.js';
import { startDevBroker, type RunningDevBroker } from '../../tools/dev-broker/start-dev-broker.js';
import { startLocalHost } from '../../tools/local-host/local-host.js';
import type { Log } from '../../tools/local-host/log.js';
import { EMULATOR_SETTINGS, makeLocalProject } from './local-project.js';

export interface LocalBotsOptions {
  /** Prefix of the temporary project folder. */
  prefix: string;
  secret: string;
  /** bots.json's `bots`. */
  bots: unknown[];
  /** Module targets by bot name. */
  modules: BotModuleRegistry;
  telemetry?: Telemetry;
  /** Host overrides (`AzureFunctionsJobHost__…`) on top of ports 0 for HTTP, Azurite and the broker. */
  env?: NodeJS.ProcessEnv;
  log: Log;
}

export interface LocalBots {
  /** The development broker the local host started (in this process): its queues' counts. */
  broker: RunningDevBroker;
  /** The queues it was made with, from bots.json. */
  queues: DevQueueOptions[];
  /** POSTs a webhook as GitHub does (signed with the secret) to the local host. */
  postWebhook: (eventType: string, deliveryId: string, payload: unknown) => Promise<Response>;
}

/**
 * `npm start` on a temporary project with the given bots.json and module targets: the local host (its own
 * Azurite and development broker, ports 0) runs while `run` sends webhooks and waits, then stops (draining)
 * and the project is removed. Returns the broker, for what the test checks after the stop.
 */
export async function runLocalBots(options: LocalBotsOptions, run: (local: LocalBots) => Promise<void>): Promise<LocalBots> {
  const project = makeLocalProject(options.prefix, (folder) => ({
    ...EMULATOR_SETTINGS,
    GITHUB_WEBHOOK_SECRET: options.secret,
    BOTS_CONFIG_PATH: path.join(folder, 'bots.json'),
    JOURNAL_PATH: path.join(folder, 'journal.jsonl'),
  }));
  try {
    writeFileSync(path.join(project, 'bots.json'), JSON.stringify({ bots: options.bots }));
    const env: NodeJS.ProcessEnv = { LOCAL_HTTP_PORT: '0', LOCAL_AZURITE_PORTS: '0', LOCAL_BROKER_PORT: '0', ...options.env };
    let started: Pick<LocalBots, 'broker' | 'queues'> | undefined;
    const { modules, telemetry } = options;
    const host = await startLocalHost({
      projectRoot: project,
      env,
      buildDefinitions: async (settings) => createApp({ settings, env, modules, ...(telemetry && { telemetry }) }),
      loadBots: (settings) => [...loadBots({ path: settings.BOTS_CONFIG_PATH }).bots],
      startBroker: async (port, bots) => {
        const queues = queueOptionsFromBots(bots);
        const broker = await startDevBroker({ port, queues });
        started = { broker, queues };
        return {
          port: broker.port,
          connectionString: broker.connectionString,
          pendingMessages: () => broker.queueNames().reduce((sum, name) => sum + broker.queueStats(name).active, 0),
          close: () => broker.close(),
        };
      },
      log: options.log,
    });
    const url = `http://localhost:${host.httpPort}/api/github/webhooks`;
    const local: LocalBots = {
      ...started!,
      postWebhook: async (eventType, deliveryId, payload) => {
        const body = JSON.stringify(payload);
        return fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-github-event': eventType,
            'x-github-delivery': deliveryId,
            'x-hub-signature-256': await sign(options.secret, body),
            'user-agent': 'GitHub-Hookshot/test',
          },
        });
      },
    };
    try {
      await run(local);
    } finally {
      await host.stop();
    }
    return local;
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
