import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { TransientError } from '../../../src/errors/delivery-errors.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { defineDeadLetterAdminFunctions, defineDeadLetterCountFunction } from '../../../src/processing/dead-letter-admin.js';
import { createDeadLetterQueue, type DeadLetter } from '../../../src/processing/dead-letter-queue.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { quietContext, timerTick } from '../../support/functions-context.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { withPipeline } from '../../support/processing/pipeline-fixture.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

const { HttpRequest } = functions;

interface Seen {
  deliveryId: string;
  sessionId: string;
  index: number;
}

describe('dead letters: listed, resubmitted to their session, discarded', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it('lists dead letters without removing them, resubmits one (processed in its session, once), discards one', async () => {
    const broken = new Set(['a-1', 'b-1', 'c-1']);
    const seen: Seen[] = [];
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope, session) => {
      if (broken.has(envelope.eventId)) throw new TransientError(`${envelope.eventId}: the bot is down`);
      seen.push({ deliveryId: envelope.eventId, sessionId: session!.id, index: session!.index });
    });
    const telemetry = recordingTelemetry();
    await withPipeline(
      azurite,
      {
        bot: {
          name: 'merge-warden',
          queue: 'bot-merge-warden',
          events: ['*'],
          target: { type: 'module' },
          delivery: { maxDeliveryCount: 2, maxRetryDuration: 'PT0S' },
          onPoison: 'skip',
        },
        modules,
      },
      async ({ send, until, client, broker }) => {
        const deps = { bots: [{ name: 'merge-warden', queue: 'bot-merge-warden' }], deadLetters: createDeadLetterQueue(client), telemetry };
        const [list, resubmit, discard] = defineDeadLetterAdminFunctions(deps);
        const call = async (
          definition: typeof list,
          method: string,
          params: Record<string, string>,
          query = '',
        ): Promise<HttpResponseInit> => {
          const request = new HttpRequest({
            method,
            url: `http://localhost/api/deadletters/x${query}`,
            params,
            query: Object.fromEntries(new URLSearchParams(query)),
          });
          return definition!.handler(request, quietContext(definition!.name).context);
        };
        const listed = async (query = '') =>
          (await call(list, 'GET', { bot: 'merge-warden' }, query)).jsonBody as { messages: DeadLetter[]; next: number | null };

        await send(
          ['a', 'b', 'c'].map((pr, i) => ({
            sessionId: `pr-octo/repo-${pr}`,
            envelope: pullRequestEnvelope({ deliveryId: `${pr}-1`, number: i + 1 }),
          })),
        );
        await until(() => broker.queueStats('bot-merge-warden').deadLetter === 3, 'three messages dead-lettered');

        const all = await listed();
        assert.deepEqual(
          all.messages.map((m) => [m.messageId, m.deliveryId, m.sessionId, m.reason, m.deliveryCount, m.eventType]),
          [
            ['a-1', 'a-1', 'pr-octo/repo-a', 'MaxDeliveryCountExceeded', 2, 'pull_request'],
            ['b-1', 'b-1', 'pr-octo/repo-b', 'MaxDeliveryCountExceeded', 2, 'pull_request'],
            ['c-1', 'c-1', 'pr-octo/repo-c', 'MaxDeliveryCountExceeded', 2, 'pull_request'],
          ],
        );
        assert.ok(all.messages.every((m) => m.description !== null && m.enqueuedTimeUtc !== null && m.sequenceNumber > 0));
        assert.equal(all.next, null);
        // Paging by sequence number.
        const first = await listed('?limit=2');
        assert.deepEqual(
          first.messages.map((m) => m.messageId),
          ['a-1', 'b-1'],
        );
        const rest = await listed(`?limit=2&from=${first.next}`);
        assert.deepEqual(
          rest.messages.map((m) => m.messageId),
          ['c-1'],
        );
        assert.equal(broker.queueStats('bot-merge-warden').deadLetter, 3, 'listing removed nothing');

        // The count metric sees them too.
        await defineDeadLetterCountFunction(deps, '0 * * * * *').handler(timerTick(new Date()), quietContext('deadletter-count').context);
        assert.deepEqual(
          telemetry.metrics.filter((m) => m.name === 'DeadLetteredMessages').map((m) => [m.value, m.properties.bot]),
          [[3, 'merge-warden']],
        );

        // The bot is back for a-1: resubmit it, then a later message of the same session follows it.
        broken.delete('a-1');
        const resubmitted = await call(resubmit, 'POST', { bot: 'merge-warden', messageId: 'a-1' });
        assert.equal(resubmitted.status, 200);
        const { newMessageId } = resubmitted.jsonBody as { newMessageId: string };
        assert.equal(newMessageId, `a-1:resubmit-${all.messages[0]!.sequenceNumber}`);
        await send([
          { sessionId: 'pr-octo/repo-a', envelope: pullRequestEnvelope({ deliveryId: 'a-2', number: 1, action: 'synchronize' }) },
        ]);
        await until(() => seen.length === 2, 'a-1 (resubmitted) and a-2 processed');
        assert.deepEqual(seen, [
          { deliveryId: 'a-1', sessionId: 'pr-octo/repo-a', index: 2 },
          { deliveryId: 'a-2', sessionId: 'pr-octo/repo-a', index: 3 },
        ]);

        const discarded = await call(discard, 'DELETE', { bot: 'merge-warden', messageId: 'b-1' });
        assert.equal(discarded.status, 200);
        assert.equal((discarded.jsonBody as { outcome: string }).outcome, 'discarded');

        assert.deepEqual(
          (await listed()).messages.map((m) => m.messageId),
          ['c-1'],
          'c-1 kept, still unlocked',
        );
        assert.equal(
          (await call(resubmit, 'POST', { bot: 'merge-warden', messageId: 'a-1' })).status,
          404,
          'a-1 is gone from the dead letters',
        );
        assert.equal((await call(discard, 'DELETE', { bot: 'merge-warden', messageId: 'nope' })).status, 404);
        assert.equal((await call(list, 'GET', { bot: 'nobody' })).status, 404);
        assert.equal((await call(list, 'GET', { bot: 'merge-warden' }, '?from=x')).status, 400);
        assert.deepEqual(
          telemetry.events.filter((e) => e.name.startsWith('DeadLetter')).map((e) => e.name),
          ['DeadLetterResubmitted', 'DeadLetterDiscarded'],
        );
        // Nothing else was processed: a-1 once (as resubmitted), b-1 and c-1 never.
        assert.equal(seen.length, 2);
      },
    );
  });
});
