import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions from '@azure/functions';
import { verify } from '@octokit/webhooks-methods';
import { createAdminHandlers } from '../../../src/lifecycle/session-admin.js';
import { createJanitorHandler } from '../../../src/lifecycle/session-janitor.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { createSessionClosedSender } from '../../../src/lifecycle/session-closed-sender.js';
import { quietContext, timerTick } from '../../support/functions-context.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { withPipeline, signedHttpBot } from '../../support/processing/pipeline-fixture.js';
import { startRecordingServer, type RecordedRequest } from '../../support/targets/recording-server.js';

const { HttpRequest } = functions;
const SESSION = 'pr-octo/repo-1';
const secret = 'probot-webhook-secret';

const message = (id: string) => ({
  sessionId: SESSION,
  envelope: pullRequestEnvelope({ deliveryId: id, number: 1, action: 'synchronize' }),
});

/** A request as a short label: the delivery id, or `closed g<generation> <reason> <count>` for a notice. */
function label(request: RecordedRequest): string {
  if (request.headers['x-session-event'] !== 'closed')
    return `${String(request.headers['x-github-delivery'])} g${String(request.headers['x-session-generation'])}`;
  const notice = JSON.parse(request.body) as { generation: number; reason: string; messageCount: number };
  return `closed g${notice.generation} ${notice.reason} ${notice.messageCount}`;
}

describe("session-closed notices reach the bot once per close, in order after the generation's last message", () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it("an http bot gets signed notices for a limit at the touch, an idle close by the janitor and an operator's close", async () => {
    const server = await startRecordingServer();
    try {
      await withPipeline(
        azurite,
        {
          bot: signedHttpBot({ session: { maxMessagesPerSession: 2, sessionTimeout: 'PT30M' } }),
          env: { PROBOT_URL: server.url, PROBOT_SECRET: secret },
          limits: true,
        },
        async ({ bot, send, until, sessions, client }) => {
          const sender = createSessionClosedSender(() => client);
          const notices = { send: sender.send, store: sessions };
          try {
            // 1. The third message passes maxMessagesPerSession: the touch closes generation 1 and tells the bot first.
            await send(['a-1', 'a-2', 'a-3'].map(message));
            await until(() => server.requests.length === 4, 'three deliveries and one notice');

            // 2. An hour later the janitor finds generation 2 idle: the notice goes through the session's queue.
            const janitor = createJanitorHandler({
              bots: [bot],
              store: sessions,
              telemetry: noTelemetry,
              now: () => new Date(Date.now() + 3_600_000),
              retentionMs: 86_400_000,
              hotSessionThreshold: 100,
              notices,
            });
            await janitor(timerTick(new Date()), quietContext('session-janitor').context);
            await until(() => server.requests.length === 5, 'the idle notice');
            assert.deepEqual(await sessions.listPendingNotices(bot.name), [], 'marked sent: the next run sends nothing again');

            // 3. The next message opens generation 3; an operator closes it.
            await send([message('a-4')]);
            await until(() => server.requests.length === 6, 'a-4');
            const admin = createAdminHandlers({ bots: [bot], store: sessions, now: () => new Date(), hotSessionThreshold: 100, notices });
            const closed = await admin.closeSession(
              new HttpRequest({
                method: 'POST',
                url: `http://localhost/api/sessions/${bot.name}/${SESSION}`,
                params: { bot: bot.name, sessionId: SESSION },
              }),
              quietContext('sessions-close').context,
            );
            assert.equal(closed.status, 200);
            await until(() => server.requests.length === 7, 'the manual notice');
          } finally {
            await sender.close();
          }
        },
      );
    } finally {
      await server.close();
    }

    assert.deepEqual(server.requests.map(label), [
      'a-1 g1',
      'a-2 g1',
      'closed g1 maxMessagesPerSession 2',
      'a-3 g2',
      'closed g2 sessionTimeout 1',
      'a-4 g3',
      'closed g3 manual 1',
    ]);
    for (const request of server.requests) {
      assert.equal(
        await verify(secret, request.body, String(request.headers['x-hub-signature-256'])),
        true,
        "every request signed with the bot's secret",
      );
      assert.equal(request.headers['x-session-id'], SESSION);
    }
    const notice = JSON.parse(server.requests[2]!.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(notice).sort(), ['closedAt', 'generation', 'messageCount', 'openedAt', 'reason', 'sessionId']);
    assert.equal(notice.sessionId, SESSION);
    assert.equal(server.requests[2]!.headers['x-session-generation'], '1');
  });
});
