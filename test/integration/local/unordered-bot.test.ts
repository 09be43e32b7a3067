import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import type { SessionContext } from '../../../src/lifecycle/session-context.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { action, exampleOf } from '../../support/webhook-examples.js';
import { runLocalBots } from '../../support/local-bots.js';

const SECRET = 'unordered-secret';
const EVENTS = 40;
/** More than maxConcurrentSessions (2 here): only a trigger without sessions can have this many at once. */
const AT_ONCE = 8;

test(
  'a strategy-none bot: webhook → plain queue (no SessionId) → local host message pump → module target, in parallel, each message once',
  { timeout: 120_000 },
  async () => {
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

    const deliveryIds: string[] = [];
    const { queues } = await runLocalBots(
      {
        prefix: 'unordered-',
        secret: SECRET,
        bots: [{ name: 'fanout', queue: 'bot-fanout', events: ['issues'], strategy: { type: 'none' }, target: { type: 'module' } }],
        modules,
        env: {
          AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentSessions: '2',
          AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: '16',
        },
        log: silentLog,
      },
      async ({ postWebhook }) => {
        try {
          const opened = exampleOf('issues', action('opened')) as { issue: { number: number } };
          const answers = await Promise.all(
            Array.from({ length: EVENTS }, async (_, i) => {
              const deliveryId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
              deliveryIds.push(deliveryId);
              // A different issue each: the same body under a new delivery id would be dropped as a replay.
              const response = await postWebhook('issues', deliveryId, { ...opened, issue: { ...opened.issue, number: i + 1 } });
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
        }
      },
    );
    assert.deepEqual(
      queues.map((queue) => queue.requiresSession === true),
      [false],
      'the broker made bot-fanout a plain queue',
    );
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
  },
);
