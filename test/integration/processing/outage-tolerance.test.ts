import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { withPipeline } from '../../support/processing/pipeline-fixture.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';
import { startRecordingServer, type RecordedRequest } from '../../support/targets/recording-server.js';

/**
 * The shipped defaults (maxDeliveryCount 10 × maxRetryDuration PT4M = 40 min ≥ a 30-minute
 * outage, functionTimeout 5 min) compressed by configuration: maxDeliveryCount 3 × PT2S = 6 s of
 * tolerance, so a target down for 1.5 s is well inside one delivery's budget.
 */
const compressed = { maxDeliveryCount: 3, retryDelay: 'PT0.1S', maxRetryDuration: 'PT2S' };
const httpBot = (delivery: Record<string, unknown>) => ({
  name: 'probot-app',
  queue: 'bot-probot-app',
  events: ['*'],
  target: { type: 'http', urlSetting: 'PROBOT_URL', timeoutMs: 1_000 },
  delivery,
});

/** `count` messages for each pull request, interleaved as they would arrive. */
function interleaved(prs: string[], count: number) {
  return Array.from({ length: count }, (_, i) =>
    prs.map((pr, p) => ({
      sessionId: `pr-octo/repo-${pr}`,
      envelope: pullRequestEnvelope({ deliveryId: `${pr}-${i + 1}`, number: p + 1, action: i === 0 ? 'opened' : 'synchronize' }),
    })),
  ).flat();
}

const delivered = (requests: RecordedRequest[], answered: Map<RecordedRequest, number>, pr: string) =>
  requests
    .filter((r) => r.headers['x-session-id'] === `pr-octo/repo-${pr}` && answered.get(r) === 200)
    .map((r) => String(r.headers['x-github-delivery']));

describe('a target outage is ridden out in place', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it('a target answering 503 for 1.5 s loses nothing: nothing dead-lettered, every session in order, no delivery attempt spent', async () => {
    const answered = new Map<RecordedRequest, number>();
    let downUntil: number | undefined;
    const server = await startRecordingServer((request, response) => {
      downUntil ??= Date.now() + 1_500; // the outage starts with the first request
      const status = Date.now() < downUntil ? 503 : 200;
      answered.set(request, status);
      response.writeHead(status).end(status === 503 ? 'down for maintenance' : 'ok');
    });
    const telemetry = recordingTelemetry();
    const prs = ['a', 'b', 'c'];
    try {
      await withPipeline(
        azurite,
        { bot: httpBot(compressed), env: { PROBOT_URL: server.url }, telemetry, functionTimeoutMs: 5_000 },
        async ({ send, until, client, pump, poison }) => {
          await send(interleaved(prs, 4));
          const processedEvents = () => telemetry.events.filter((e) => e.name === 'BotMessageProcessed');
          // The target answers before the handler records the message as processed: wait for both.
          await until(
            () => [...answered.values()].filter((s) => s === 200).length === 12 && processedEvents().length >= 12,
            'all 12 messages delivered and recorded',
          );

          assert.ok([...answered.values()].filter((s) => s === 503).length >= 2, 'the outage was met and retried');
          for (const pr of prs)
            assert.deepEqual(
              delivered(server.requests, answered, pr),
              [1, 2, 3, 4].map((n) => `${pr}-${n}`),
              `session ${pr} in order`,
            );
          const processed = processedEvents();
          assert.equal(processed.length, 12);
          assert.ok(
            processed.every((e) => e.properties.deliveryCount === 1),
            'every message completed on its first delivery',
          );
          assert.ok(processed.some((e) => Number(e.properties.retriesInPlace) > 0));
          assert.equal(pump.stats().abandoned, 0);
          assert.deepEqual(await poison.list('probot-app'), []);
          const deadLetters = client.createReceiver('bot-probot-app', { subQueueType: 'deadLetter' });
          try {
            assert.deepEqual(await deadLetters.peekMessages(10), []);
          } finally {
            await deadLetters.close();
          }
        },
      );
    } finally {
      await server.close();
    }
  });

  it('honours Retry-After: the target sees the retry no earlier than it asked', async () => {
    const seenAt: number[] = [];
    const server = await startRecordingServer((_request, response) => {
      seenAt.push(Date.now());
      if (seenAt.length === 1) return void response.writeHead(503, { 'retry-after': '1' }).end('come back in a second');
      response.writeHead(200).end('ok');
    });
    const telemetry = recordingTelemetry();
    try {
      await withPipeline(
        azurite,
        // retryDelay alone would retry after 50-100 ms.
        { bot: httpBot(compressed), env: { PROBOT_URL: server.url }, telemetry, functionTimeoutMs: 5_000 },
        async ({ send, until, pump }) => {
          await send(interleaved(['a'], 1));
          await until(() => seenAt.length === 2, 'the retry');
          await until(() => telemetry.events.some((e) => e.name === 'BotMessageProcessed'), 'the message completed');
          assert.ok(seenAt[1]! - seenAt[0]! >= 1_000, `retried after ${seenAt[1]! - seenAt[0]!} ms, asked for 1000`);
          assert.equal(telemetry.events.find((e) => e.name === 'BotMessageProcessed')?.properties.deliveryCount, 1);
          assert.equal(pump.stats().abandoned, 0);
        },
      );
    } finally {
      await server.close();
    }
  });

  it('a target down longer than maxRetryDuration: the message is abandoned once (delivery count + 1), then delivered in order', async () => {
    let down = true;
    const answered = new Map<RecordedRequest, number>();
    const server = await startRecordingServer((request, response) => {
      const status = down && request.headers['x-github-delivery'] === 'a-1' ? 503 : 200;
      answered.set(request, status);
      response.writeHead(status).end();
    });
    const telemetry = recordingTelemetry();
    try {
      await withPipeline(
        azurite,
        {
          bot: httpBot({ ...compressed, maxRetryDuration: 'PT0.5S' }),
          env: { PROBOT_URL: server.url },
          telemetry,
          functionTimeoutMs: 5_000,
        },
        async ({ send, until, pump, poison }) => {
          await send(interleaved(['a'], 3));
          await until(() => pump.stats().abandoned === 1, 'the first delivery handed back');
          down = false;
          await until(() => telemetry.events.filter((e) => e.name === 'BotMessageProcessed').length === 3, 'all three processed');
          const processed = telemetry.events.filter((e) => e.name === 'BotMessageProcessed');
          assert.deepEqual(
            processed.map((e) => [e.properties.messageId, e.properties.deliveryCount]),
            [
              ['a-1', 2],
              ['a-2', 1],
              ['a-3', 1],
            ],
          );
          assert.deepEqual(delivered(server.requests, answered, 'a'), ['a-1', 'a-2', 'a-3']);
          assert.equal(pump.stats().abandoned, 1);
          assert.deepEqual(await poison.list('probot-app'), []);
        },
      );
    } finally {
      await server.close();
    }
  });
});
