import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verify } from '@octokit/webhooks-methods';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { example } from '../../support/example-payloads.js';
import { withPipeline, signedHttpBot } from '../../support/processing/pipeline-fixture.js';
import { signedRequest } from '../../support/signed-request.js';
import { startRecordingServer } from '../../support/targets/recording-server.js';
import { CURRENT_SECRET, recordingDispatcher, webhookHarness } from '../../support/webhook-harness.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(() => azurite.stop());

const BOT_SECRET = 'probot-secret';

/** Real push / create examples with their ref changed to a non-ASCII branch or tag. */
function deliveries() {
  const push = (ref: string) => ({ eventType: 'push', payload: { ...example('push'), ref } });
  const create = (ref: string, refType: 'branch' | 'tag') => ({
    eventType: 'create',
    payload: { ...example('create'), ref, ref_type: refType },
  });
  return [
    push('refs/heads/feature/日本語'),
    push('refs/heads/fix-🎉'),
    push('refs/tags/v1.0-ß'),
    create('ünïcödé/ブランチ', 'branch'),
    create('100%-done', 'tag'),
  ];
}

test('item 7 (end to end): pushes to 日本語 and 🎉 branches reach an http target with a decodable X-Session-Id and the raw id in the body', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher });
  const accepted: { sessionId: string; envelope: InlineEventEnvelope }[] = [];
  for (const { eventType, payload } of deliveries()) {
    const { request } = await signedRequest({ eventType, payload, secret: CURRENT_SECRET });
    const { status, body } = await harness.call(request);
    assert.equal(status, 202, JSON.stringify(body));
    const batch = batches.at(-1)!;
    // A bot of bots.json that orders per branch or tag has the ref in its session id.
    const name = String(payload.ref).replace(/^refs\/(heads|tags)\//, '');
    const route = batch.find((message) => message.sessionId?.endsWith(name));
    assert.ok(route, `a route with a session of ${name}: ${batch.map((m) => m.sessionId).join(', ')}`);
    accepted.push({ sessionId: route.sessionId!, envelope: route.envelope as InlineEventEnvelope });
  }

  const server = await startRecordingServer();
  try {
    await withPipeline(
      azurite,
      {
        bot: signedHttpBot(),
        env: { PROBOT_URL: server.url, PROBOT_SECRET: BOT_SECRET },
      },
      async ({ send, until, poison }) => {
        await send(accepted);
        await until(() => server.requests.length === accepted.length, `${accepted.length} deliveries to the http target`);
        for (const { sessionId, envelope } of accepted) {
          const request = server.requests.find((r) => r.headers['x-github-delivery'] === envelope.eventId);
          assert.ok(request, envelope.eventId);
          const header = String(request.headers['x-session-id']);
          assert.match(header, /^[\x21-\x7e]+$/, 'the header is plain ASCII');
          assert.equal(decodeURIComponent(header), sessionId, 'a bot reads the id with decodeURIComponent');
          const body = JSON.parse(request.body) as Record<string, unknown>;
          assert.deepEqual(body['session_router'], { session_id: sessionId, generation: 1, index: 1 });
          assert.equal(body['ref'], envelope.payload['ref']);
          assert.equal(await verify(BOT_SECRET, request.body, String(request.headers['x-hub-signature-256'])), true);
        }
        assert.deepEqual(await poison.list('probot-app'), [], 'nothing dead-lettered');
      },
    );
  } finally {
    await server.close();
  }
});
