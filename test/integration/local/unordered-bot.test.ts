import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { createApp } from '../../../src/app/create-app.js';
import { loadBots } from '../../../src/bots/load-bots.js';
import { queueOptionsFromBots } from '../../../tools/dev-broker/queue-options-from-bots.js';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import type { SessionContext } from '../../../src/lifecycle/session-context.js';
import { startLocalHost } from '../../../tools/local-host/local-host.js';
import { startBrokerForBots } from '../../../tools/local-host/start-broker-for-bots.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { action, exampleOf } from '../../support/webhook-examples.js';
import { EMULATOR_SETTINGS, makeLocalProject } from '../../support/local-project.js';

const SECRET = 'unordered-secret';
const EVENTS = 40;
/** More than maxConcurrentSessions (2 here): only a trigger without sessions can have this many at once. */
const AT_ONCE = 8;

test(
  'a strategy-none bot: webhook → plain queue (no SessionId) → local host message pump → module target, in parallel, each message once',
  { timeout: 120_000 },
  async () => {
    const project = makeLocalProject('unordered-', (folder) => ({
      ...EMULATOR_SETTINGS,
      GITHUB_WEBHOOK_SECRET: SECRET,
      BOTS_CONFIG_PATH: path.join(folder, 'bots.json'),
      JOURNAL_PATH: path.join(folder, 'journal.jsonl'),
    }));
    writeFileSync(
      path.join(project, 'bots.json'),
      JSON.stringify({
        bots: [{ name: 'fanout', queue: 'bot-fanout', events: ['issues'], strategy: { type: 'none' }, target: { type: 'module' } }],
      }),
    );

    // The module target holds each message until AT_ONCE are in the target together (or 10 s passed).
    const delivered: { envelope: InlineEventEnvelope; session: SessionContext | null }[] = [];
    let inTarget = 0;
    let mostAtOnce = 0;
    let releaseAll!: () => void;
    const allThere = new Promise<void>((resolve) => (releaseAll = resolve));
    const gaveUp = setTimeout(releaseAll, 10_000);
    const modules = createBotModuleRegistry();
    modules.register('fanout', async (envelope, session) => {
      inTarget++;
      mostAtOnce = Math.max(mostAtOnce, inTarget);
      if (inTarget >= AT_ONCE) releaseAll();
      await allThere;
      inTarget--;
      delivered.push({ envelope, session });
    });

    const sessionsInQueue: boolean[] = [];
    const env: NodeJS.ProcessEnv = {
      LOCAL_HTTP_PORT: '0',
      LOCAL_AZURITE_PORTS: '0',
      LOCAL_BROKER_PORT: '0',
      AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentSessions: '2',
      AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: '16',
    };
    try {
      const host = await startLocalHost({
        projectRoot: project,
        env,
        buildDefinitions: async (settings) => createApp({ settings, env, modules }),
        loadBots: (settings) => [...loadBots({ path: settings.BOTS_CONFIG_PATH }).bots],
        startBroker: async (port, bots) => {
          sessionsInQueue.push(...queueOptionsFromBots(bots).map((q) => q.requiresSession === true));
          return startBrokerForBots(port, bots);
        },
        log: silentLog,
      });
      const deliveryIds: string[] = [];
      try {
        assert.deepEqual(sessionsInQueue, [false], 'the broker made bot-fanout a plain queue');
        const url = `http://localhost:${host.httpPort}/api/github/webhooks`;
        const opened = exampleOf('issues', action('opened')) as { issue: { number: number } };
        const answers = await Promise.all(
          Array.from({ length: EVENTS }, async (_, i) => {
            // A different issue each: the same body under a new delivery id would be dropped as a replay.
            const body = JSON.stringify({ ...opened, issue: { ...opened.issue, number: i + 1 } });
            const signature = await sign(SECRET, body);
            const deliveryId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
            deliveryIds.push(deliveryId);
            const response = await fetch(url, {
              method: 'POST',
              body,
              headers: {
                'content-type': 'application/json',
                'x-github-event': 'issues',
                'x-github-delivery': deliveryId,
                'x-hub-signature-256': signature,
                'user-agent': 'GitHub-Hookshot/test',
              },
            });
            return [response.status, await response.json()] as const;
          }),
        );
        for (const [status, answer] of answers) {
          assert.equal(status, 202, JSON.stringify(answer));
          assert.deepEqual((answer as { routes: unknown }).routes, [{ bot: 'fanout', sessionId: null }]);
        }
        const deadline = Date.now() + 60_000;
        while (delivered.length < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        clearTimeout(gaveUp);
        releaseAll();
        await host.stop();
      }
      assert.equal(delivered.length, EVENTS, 'every event reached the target');
      assert.deepEqual(delivered.map((d) => d.envelope.eventId).sort(), deliveryIds.sort(), 'each delivery exactly once');
      assert.ok(
        delivered.every((d) => d.session === null),
        'no session: the target is told so',
      );
      assert.ok(
        mostAtOnce >= AT_ONCE,
        `${mostAtOnce} messages in the target at once; a session trigger allows only maxConcurrentSessions (2)`,
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  },
);
