import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import type { SessionContext } from '../../../src/lifecycle/session-context.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { createLog } from '../../../tools/local-host/log.js';
import { recordingTelemetry } from '../../support/processing/fakes.js';
import { action, exampleOf } from '../../support/webhook-examples.js';
import { runLocalBots } from '../../support/local-bots.js';

const SECRET = 'batch-lock-secret';
const QUEUE = 'bot-batched';
const EVENTS = 20;
/** The target's time per message: 20 of them keep the session busy ~12 s, past its 5 s lock (the shortest Service Bus allows). */
const TARGET_MS = 600;

// On Azure the batch loop never renews the session lock (https://github.com/Azure/azure-sdk-for-net/issues/27979), and
// the local host now does the same: the batch in flight when the lock expires cannot be completed although its handler
// returned, and comes back. The app notes what the target took, so the target still sees each event once, in order.
test(
  'a batch bot whose session stays busy past lockDuration: webhooks → dev broker → local host batch loop → module target, every event exactly once, in order, nothing dead-lettered',
  { timeout: 120_000 },
  async () => {
    const delivered: { envelope: InlineEventEnvelope; session: SessionContext | null }[] = [];
    const modules = createBotModuleRegistry();
    modules.register('batched', async (envelope, session) => {
      await new Promise((resolve) => setTimeout(resolve, TARGET_MS));
      delivered.push({ envelope, session });
    });
    const telemetry = recordingTelemetry();
    const lines: string[] = [];
    const deliveryIds: string[] = [];
    const { broker } = await runLocalBots(
      {
        prefix: 'batch-lock-',
        secret: SECRET,
        bots: [
          {
            name: 'batched',
            queue: QUEUE,
            events: ['issue_comment'],
            strategy: { type: 'entity' },
            cardinality: 'many',
            target: { type: 'module' },
            delivery: { lockDuration: 'PT5S', maxDeliveryCount: 10 },
          },
        ],
        modules,
        telemetry,
        // The session must stay accepted between batches for its lock to run out: keep it while the webhooks come in.
        env: { AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: '00:00:01' },
        log: createLog('debug', (line) => lines.push(line)),
      },
      async ({ broker, postWebhook }) => {
        const created = exampleOf('issue_comment', action('created')) as { issue: { number: number }; comment: { id: number } };
        // One issue (one session), its comments one after another, each after the previous 202: their order is the session's.
        for (let i = 0; i < EVENTS; i++) {
          const deliveryId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
          deliveryIds.push(deliveryId);
          const response = await postWebhook('issue_comment', deliveryId, {
            ...created,
            issue: { ...created.issue, number: 4242 },
            comment: { ...created.comment, id: 9000 + i, body: `comment ${i}` },
          });
          assert.equal(response.status, 202, await response.text());
        }
        // Until every event is through and the queue is empty (the lost batch's redelivery completed).
        const deadline = Date.now() + 40_000;
        while (
          Date.now() < deadline &&
          (delivered.length < EVENTS || broker.queueStats(QUEUE).active + broker.queueStats(QUEUE).locked > 0)
        ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // A redelivery that would deliver again has had time to (each delivery takes TARGET_MS).
        await new Promise((resolve) => setTimeout(resolve, 3 * TARGET_MS));
      },
    );
    const lockLost = lines.filter((line) => /the lock on session .* expired .* could not be settled/.test(line));
    assert.ok(lockLost.length > 0, `the session's lock ran out under a batch (otherwise this test proves nothing):\n${lines.join('\n')}`);
    assert.deepEqual(
      delivered.map((d) => d.envelope.eventId),
      deliveryIds,
      'each event exactly once, in the order sent',
    );
    assert.deepEqual(
      delivered.map((d) => [d.session?.generation, d.session?.index]),
      deliveryIds.map((_, i) => [1, i + 1]),
      'each counted once: places 1..n of one generation',
    );
    assert.equal(broker.queueStats(QUEUE).deadLetter, 0, 'nothing dead-lettered');
    assert.ok(
      telemetry.events.some((e) => e.name === 'BotMessageAlreadyDelivered'),
      'the lost batch came back and what the target had taken was skipped',
    );
    assert.equal(broker.queueStats(QUEUE).active, 0);
  },
);
