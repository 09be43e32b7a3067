import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verify } from '@octokit/webhooks-methods';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { createTarget } from '../../../src/targets/create-target.js';
import type { TargetInput } from '../../../src/targets/bot-target.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { startRecordingServer } from '../../support/targets/recording-server.js';

const SECRET = 'bot-own-secret-\u00e9\u00df';

function httpBot(target: Record<string, unknown>) {
  return botDefinitionSchema.parse({ name: 'probot-app', queue: 'bot-probot-app', events: ['*'], target: { type: 'http', ...target } });
}

function input(index: number): TargetInput {
  return {
    envelope: pullRequestEnvelope({ deliveryId: `delivery-${index}`, number: 42 }),
    session: { id: 'pr-octo/repo-42', generation: 2, index, isNew: index === 1 },
    deliveryCount: 1,
  };
}

const deps = (env: Record<string, string>) => ({ env, journalPath: '/nonexistent', now: () => new Date() });

describe('http target', () => {
  let statusFor: (path: string) => number = () => 204;
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  before(async () => {
    server = await startRecordingServer((req, res) => {
      if (req.url.endsWith('/hang')) return; // never answers
      const status = statusFor(req.url);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? `refused with ${status}` : '');
    });
  });
  after(() => server.close());

  it('POSTs the original payload signed with the bot secret, with GitHub and session headers', async () => {
    statusFor = () => 200;
    const target = createTarget(
      httpBot({ urlSetting: 'PROBOT_URL', secretSetting: 'PROBOT_SECRET' }),
      deps({ PROBOT_URL: server.url, PROBOT_SECRET: SECRET }),
    );
    const sent = input(3);
    const before = server.requests.length;
    await target.deliver(sent);
    const request = server.requests[before]!;
    assert.equal(request.method, 'POST');
    assert.deepEqual(JSON.parse(request.body), {
      ...sent.envelope.payload,
      session_router: { session_id: 'pr-octo/repo-42', generation: 2, index: 3 },
    });
    assert.equal(await verify(SECRET, request.body, String(request.headers['x-hub-signature-256'])), true);
    assert.equal(await verify('another-secret', request.body, String(request.headers['x-hub-signature-256'])), false);
    assert.equal(request.headers['x-github-event'], 'pull_request');
    assert.equal(request.headers['x-github-delivery'], 'delivery-3');
    assert.equal(request.headers['x-github-hook-id'], '123456');
    assert.equal(request.headers['x-github-hook-installation-target-type'], 'repository');
    assert.equal(request.headers['x-session-id'], 'pr-octo/repo-42');
    assert.equal(request.headers['x-session-generation'], '2');
    assert.equal(request.headers['x-session-index'], '3');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(String(request.headers['user-agent']), /^session-router\/\d+\.\d+\.\d+/);
  });

  it('sends no X-Session-* headers for a bot without sessions (strategy none)', async () => {
    statusFor = () => 200;
    const target = createTarget(httpBot({ urlSetting: 'PROBOT_URL' }), deps({ PROBOT_URL: server.url }));
    const before = server.requests.length;
    await target.deliver({ ...input(1), session: null });
    const headers = server.requests[before]!.headers;
    assert.deepEqual(
      Object.keys(headers).filter((name) => name.startsWith('x-session-')),
      [],
    );
    assert.equal(headers['x-github-delivery'], 'delivery-1');
  });

  it('sends no signature when the bot names no secret setting', async () => {
    statusFor = () => 202;
    const target = createTarget(httpBot({ url: server.url }), deps({}));
    const before = server.requests.length;
    await target.deliver(input(1));
    assert.equal(server.requests[before]!.headers['x-hub-signature-256'], undefined);
  });

  for (const [status, kind] of [
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [422, 'permanent'],
    [301, 'permanent'],
  ] as const) {
    it(`maps ${status} to a ${kind} failure`, async () => {
      statusFor = () => status;
      const target = createTarget(httpBot({ url: server.url, secretSetting: 'S' }), deps({ S: SECRET }));
      await assert.rejects(target.deliver(input(1)), (error: unknown) => {
        if (kind === 'transient') assert.ok(error instanceof TransientError);
        else assert.ok(error instanceof PermanentError && error.reason === 'TargetRejected');
        assert.match((error as Error).message, new RegExp(`answered ${status}`));
        if (status >= 400) assert.match((error as Error).message, new RegExp(`refused with ${status}`), 'keeps what the bot said');
        assert.doesNotMatch((error as Error).message, new RegExp(SECRET));
        return true;
      });
    });
  }

  it('counts a target that does not answer in time as transient', async () => {
    const target = createTarget(httpBot({ url: server.url.replace(/webhooks$/, 'hang'), timeoutMs: 100 }), deps({}));
    await assert.rejects(
      target.deliver(input(1)),
      (error: unknown) => error instanceof TransientError && /no answer within 100 ms/.test(error.message),
    );
  });

  it('counts a refused connection as transient', async () => {
    const closed = await startRecordingServer();
    const url = closed.url;
    await closed.close();
    const target = createTarget(httpBot({ url }), deps({}));
    await assert.rejects(target.deliver(input(1)), TransientError);
  });

  it('stops start-up naming a missing secret or URL setting, never printing a secret', () => {
    assert.throws(
      () => createTarget(httpBot({ url: server.url, secretSetting: 'PROBOT_SECRET' }), deps({})),
      /Bot "probot-app": app setting PROBOT_SECRET \(its http target's secretSetting\) is missing/,
    );
    assert.throws(
      () => createTarget(httpBot({ urlSetting: 'PROBOT_URL' }), deps({ PROBOT_URL: '  ' })),
      /app setting PROBOT_URL .* missing/,
    );
    assert.throws(
      () => createTarget(httpBot({ urlSetting: 'PROBOT_URL', secretSetting: 'S' }), deps({ PROBOT_URL: 'ftp://x', S: SECRET })),
      (error: unknown) => /must be http or https/.test((error as Error).message) && !(error as Error).message.includes(SECRET),
    );
  });
  it('tells a session closed with a signed POST whose session header survives a non-ASCII branch', async () => {
    statusFor = () => 204;
    const target = createTarget(
      httpBot({ urlSetting: 'PROBOT_URL', secretSetting: 'PROBOT_SECRET' }),
      deps({ PROBOT_URL: server.url, PROBOT_SECRET: SECRET }),
    );
    const sessionId = 'branch-octo/repo-feature/日本語-🎉';
    const notice = {
      sessionId,
      generation: 3,
      reason: 'maxMessagesPerSession' as const,
      messageCount: 7,
      openedAt: '2026-11-29T08:00:00.000Z',
      closedAt: '2026-11-29T09:00:00.000Z',
    };
    const before = server.requests.length;
    await target.sessionClosed!(notice);
    const request = server.requests[before]!;
    assert.equal(request.headers['x-session-event'], 'closed');
    assert.equal(decodeURIComponent(String(request.headers['x-session-id'])), sessionId);
    assert.deepEqual(JSON.parse(request.body), notice);
    assert.equal(await verify(SECRET, request.body, String(request.headers['x-hub-signature-256'])), true);
  });
});
