import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import type { FunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { startLocalHost, type BuildDefinitions } from '../../../tools/local-host/local-host.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { isListening } from '../../../tools/local-host/port-probe.js';
import { startBrokerForBots } from '../../../tools/local-host/start-broker-for-bots.js';
import { EMULATOR_SETTINGS, makeLocalProject } from '../../support/local-project.js';

const toyBot = botDefinitionSchema.parse({ name: 'toy', queue: 'bot-toy', events: ['*'] });

/** A toy app: the webhook queues `{session, n}` on the bot's queue, the queue function records it, a timer counts. */
function toyApp() {
  const processed: { session: string; n: number }[] = [];
  let timerRuns = 0;
  const seenSettings: Record<string, string | undefined> = {};
  const build: BuildDefinitions = async (settings) => {
    seenSettings.JOURNAL_PATH = settings.JOURNAL_PATH;
    seenSettings.GITHUB_WEBHOOK_SECRET = settings.GITHUB_WEBHOOK_SECRET;
    seenSettings.AzureWebJobsStorage = settings.AzureWebJobsStorage;
    const client = new ServiceBusClient(settings.ServiceBusConnection!);
    const sender = client.createSender('bot-toy');
    const definitions: FunctionDefinition[] = [
      {
        kind: 'http',
        name: 'github-webhook',
        route: 'github/webhooks',
        methods: ['POST'],
        authLevel: 'anonymous',
        handler: async (request) => {
          const body = (await request.json()) as { session: string; n: number };
          await sender.sendMessages({ body, sessionId: body.session, messageId: `${body.session}-${body.n}` });
          return { status: 202, jsonBody: { queued: true } };
        },
      },
      {
        kind: 'serviceBusQueue',
        cardinality: 'one',
        name: 'bot-toy',
        queueName: 'bot-toy',
        connection: 'ServiceBusConnection',
        isSessionsEnabled: true,
        handler: async (message) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          processed.push(message as { session: string; n: number });
        },
      },
      { kind: 'timer', name: 'janitor', schedule: '0 0 * * * *', runOnStartup: true, handler: async () => void timerRuns++ },
    ];
    return { definitions, close: async () => (await sender.close(), await client.close()) };
  };
  return { build, processed, timerRuns: () => timerRuns, seenSettings };
}

test(
  'npm start in-process with a toy app: settings file, environment precedence, Azurite, broker, HTTP, pumps, timers, banner, draining stop',
  { timeout: 120_000 },
  async () => {
    const project = makeLocalProject('local-host-', {
      ...EMULATOR_SETTINGS,
      GITHUB_WEBHOOK_SECRET: 'sample-secret',
      JOURNAL_PATH: 'from-file.jsonl',
    });
    const env: NodeJS.ProcessEnv = {
      JOURNAL_PATH: 'from-environment.jsonl',
      LOCAL_HTTP_PORT: '0',
      LOCAL_AZURITE_PORTS: '0',
      LOCAL_BROKER_PORT: '0',
      AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: '00:00:00.300',
    };
    const app = toyApp();
    let blobPort: number | undefined;
    try {
      const host = await startLocalHost({
        projectRoot: project,
        env,
        buildDefinitions: app.build,
        loadBots: () => [toyBot],
        startBroker: startBrokerForBots,
        log: silentLog,
      });
      let stopped = false;
      try {
        assert.ok(existsSync(path.join(project, 'local.settings.json')), 'local.settings.json created from the sample');
        assert.equal(app.seenSettings.JOURNAL_PATH, 'from-environment.jsonl', 'the environment wins over the file');
        assert.equal(app.seenSettings.GITHUB_WEBHOOK_SECRET, 'sample-secret', 'the file fills what the environment lacks');
        assert.match(
          app.seenSettings.AzureWebJobsStorage ?? '',
          /^DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;/,
          'pointed at the Azurite it started',
        );
        blobPort = Number(/BlobEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(app.seenSettings.AzureWebJobsStorage!)![1]);
        assert.equal(await isListening(blobPort, '127.0.0.1'), true);

        const url = `http://localhost:${host.httpPort}/api/github/webhooks`;
        assert.ok(host.banner.includes(`POST ${url}`), host.banner);
        assert.match(host.banner, /Secret\s+sample-secret {2}\(the sample's development secret/);
        assert.match(host.banner, /toy\s+entity\s+queue bot-toy → journal/);
        assert.match(host.banner, /Storage\s+Azurite \(in memory\)/);
        assert.match(host.banner, /Service Bus development broker \(in memory\)/);
        assert.equal(app.timerRuns(), 1, 'runOnStartup');

        // Four sessions, ten events each, one client per session; then stop at once: the
        // in-memory broker's queue must be drained, not dropped.
        await Promise.all(
          ['pr-a-1', 'pr-a-2', 'issue-b-3', 'repo-c'].map(async (session) => {
            for (let n = 0; n < 10; n++) {
              const res = await fetch(url, { method: 'POST', body: JSON.stringify({ session, n }) });
              assert.equal(res.status, 202);
            }
          }),
        );
        await host.stop();
        stopped = true;
      } finally {
        if (!stopped) await host.stop();
      }
      for (const session of ['pr-a-1', 'pr-a-2', 'issue-b-3', 'repo-c']) {
        assert.deepEqual(
          app.processed.filter((p) => p.session === session).map((p) => p.n),
          [...Array(10).keys()],
          session,
        );
      }
      assert.equal(app.processed.length, 40, 'every accepted message processed before stop() returned');
      assert.equal(await isListening(blobPort, '127.0.0.1'), false, 'Azurite stopped');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  },
);

test('a failing start-up stops what it started and names the problem', async () => {
  const project = makeLocalProject('local-host-', {});
  let azuriteEnv: string | undefined;
  const env: NodeJS.ProcessEnv = { LOCAL_HTTP_PORT: '0', LOCAL_AZURITE_PORTS: '0', LOCAL_BROKER_PORT: '0' };
  try {
    await assert.rejects(
      startLocalHost({
        projectRoot: project,
        env,
        buildDefinitions: async (settings) => {
          azuriteEnv = settings.AzureWebJobsStorage;
          throw new Error('composition failed: SESSIONS_TABLE is wrong');
        },
        loadBots: () => [toyBot],
        startBroker: startBrokerForBots,
        log: silentLog,
      }),
      /composition failed: SESSIONS_TABLE is wrong/,
    );
    const blobPort = Number(/BlobEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(azuriteEnv!)![1]);
    assert.equal(await isListening(blobPort, '127.0.0.1'), false, 'Azurite was stopped again');
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
