import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verify } from '@octokit/webhooks-methods';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { withPipeline, signedHttpBot } from '../../support/processing/pipeline-fixture.js';
import { startRecordingServer } from '../../support/targets/recording-server.js';

/** `count` messages for each of two pull requests, interleaved a-1, b-1, a-2, b-2, … as they would arrive. */
function interleaved(count: number) {
  return Array.from({ length: count }, (_, i) =>
    (['a', 'b'] as const).map((pr, p) => ({
      sessionId: `pr-octo/repo-${pr}`,
      envelope: pullRequestEnvelope({ deliveryId: `${pr}-${i + 1}`, number: p + 1, action: i === 0 ? 'opened' : 'synchronize' }),
    })),
  ).flat();
}

interface Seen {
  sessionId: string;
  index: number;
  deliveryId: string;
}

const of = (seen: Seen[], sessionId: string) => seen.filter((s) => s.sessionId === sessionId);

describe('ordered processing through the broker, the session pump and Table Storage', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it('processes two interleaved sessions each strictly in order, while both progress', async () => {
    const seen: Seen[] = [];
    let releaseA!: () => void;
    const bFinished = new Promise<void>((resolve) => (releaseA = resolve));
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope, session) => {
      seen.push({ sessionId: session!.id, index: session!.index, deliveryId: envelope.eventId });
      // Session a holds its first message until session b is done: b must progress meanwhile.
      if (envelope.eventId === 'a-1') await bFinished;
      if (envelope.eventId === 'b-10') releaseA();
    });
    await withPipeline(
      azurite,
      { bot: { name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], target: { type: 'module' } }, modules },
      async ({ send, until, sessions }) => {
        await send(interleaved(10));
        await until(() => seen.length === 20, '20 messages processed');
        for (const pr of ['a', 'b']) {
          const session = of(seen, `pr-octo/repo-${pr}`);
          assert.deepEqual(
            session.map((s) => s.deliveryId),
            Array.from({ length: 10 }, (_, i) => `${pr}-${i + 1}`),
          );
          assert.deepEqual(
            session.map((s) => s.index),
            Array.from({ length: 10 }, (_, i) => i + 1),
          );
          const record = await sessions.get('merge-warden', `pr-octo/repo-${pr}`);
          assert.equal(record?.messageCount, 10);
        }
        const aFirst = seen.findIndex((s) => s.deliveryId === 'a-1');
        const aSecond = seen.findIndex((s) => s.deliveryId === 'a-2');
        const bLast = seen.findIndex((s) => s.deliveryId === 'b-10');
        assert.ok(aFirst < bLast && bLast < aSecond, 'b ran to its end while a waited on its first message');
      },
    );
  });

  it('a failing target blocks only its session: retried, then poison past the max delivery count, then the session moves on', async () => {
    const attempts: string[] = [];
    const processed: Seen[] = [];
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope, session) => {
      attempts.push(envelope.eventId);
      if (envelope.eventId === 'a-1') throw new TransientError('the bot is down for this one');
      if (envelope.eventId === 'b-3') throw new PermanentError('TargetRejected', 'the bot refuses this one');
      processed.push({ sessionId: session!.id, index: session!.index, deliveryId: envelope.eventId });
    });
    await withPipeline(
      azurite,
      {
        bot: {
          name: 'merge-warden',
          queue: 'bot-merge-warden',
          events: ['*'],
          target: { type: 'module' },
          delivery: { maxDeliveryCount: 3, retryDelay: 'PT0.1S', maxRetryDuration: 'PT0.3S' },
          onPoison: 'skip',
        },
        modules,
      },
      async ({ send, until, poison, client }) => {
        await send(interleaved(5));
        await until(() => processed.length === 8, 'every other message processed');

        const a = of(processed, 'pr-octo/repo-a');
        assert.deepEqual(
          a.map((s) => s.deliveryId),
          ['a-2', 'a-3', 'a-4', 'a-5'],
        );
        // a-1 was shown to the bot on each of its three deliveries (and retried in place within each), but counted once.
        assert.deepEqual(
          a.map((s) => s.index),
          [2, 3, 4, 5],
        );
        assert.ok(attempts.filter((id) => id === 'a-1').length > 3);
        assert.ok(attempts.lastIndexOf('a-1') < attempts.indexOf('a-2'), 'a-2 waited for every attempt of a-1');
        // b never waited for a: all of b was done before a-1 had run out of attempts.
        assert.deepEqual(
          of(processed, 'pr-octo/repo-b').map((s) => s.deliveryId),
          ['b-1', 'b-2', 'b-4', 'b-5'],
        );

        const exceeded = await poison.get('merge-warden', 'a-1');
        assert.equal(exceeded?.reason, 'MaxDeliveryCountExceeded');
        assert.equal(exceeded?.deliveryCount, 3);
        assert.equal(exceeded?.sessionId, 'pr-octo/repo-a');
        assert.match(exceeded.detail, /the bot is down for this one/);
        assert.equal((JSON.parse(exceeded.body) as { eventId: unknown }).eventId, 'a-1');

        const rejected = await poison.get('merge-warden', 'b-3');
        assert.equal(rejected?.reason, 'TargetRejected');
        assert.equal(rejected?.deliveryCount, 1);

        // The broker dead-lettered a-1 (the host's throw on its last delivery); b-3 was completed.
        const deadLetters = client.createReceiver('bot-merge-warden', { subQueueType: 'deadLetter' });
        try {
          const dead = await deadLetters.peekMessages(10);
          assert.deepEqual(
            dead.map((m) => m.messageId),
            ['a-1'],
          );
          assert.equal(dead[0]!.deadLetterReason, 'MaxDeliveryCountExceeded');
        } finally {
          await deadLetters.close();
        }
      },
    );
  });

  it('an http target receives signed requests in order per session, a 503 retried in place', async () => {
    const secret = 'probot-webhook-secret';
    const failedOnce = new Set<string>();
    const server = await startRecordingServer((request, response) => {
      const delivery = String(request.headers['x-github-delivery']);
      if (delivery === 'a-2' && !failedOnce.has(delivery)) {
        failedOnce.add(delivery);
        return void response.writeHead(503).end('busy');
      }
      response.writeHead(200).end('ok');
    });
    try {
      await withPipeline(
        azurite,
        {
          bot: signedHttpBot(),
          env: { PROBOT_URL: server.url, PROBOT_SECRET: secret },
        },
        async ({ send, until }) => {
          await send(interleaved(4));
          await until(() => server.requests.length === 9, '8 deliveries and one retry');
        },
      );
    } finally {
      await server.close();
    }

    for (const request of server.requests) {
      assert.equal(await verify(secret, request.body, String(request.headers['x-hub-signature-256'])), true);
      assert.equal(
        (JSON.parse(request.body) as { pull_request: { number: number } }).pull_request.number,
        request.headers['x-session-id'] === 'pr-octo/repo-a' ? 1 : 2,
      );
    }
    for (const pr of ['a', 'b']) {
      const requests = server.requests.filter((r) => r.headers['x-session-id'] === `pr-octo/repo-${pr}`);
      const expected = pr === 'a' ? ['a-1', 'a-2', 'a-2', 'a-3', 'a-4'] : ['b-1', 'b-2', 'b-3', 'b-4'];
      assert.deepEqual(
        requests.map((r) => r.headers['x-github-delivery']),
        expected,
      );
      assert.deepEqual(
        requests.map((r) => r.headers['x-session-index']),
        expected.map((id) => id.split('-')[1]),
      );
      assert.ok(requests.every((r) => r.headers['x-session-generation'] === '1' && r.headers['x-github-event'] === 'pull_request'));
    }
  });
});
