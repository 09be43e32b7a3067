import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { TransientError } from '../../../src/errors/delivery-errors.js';
import type { TargetInput } from '../../../src/targets/bot-target.js';
import { createTarget } from '../../../src/targets/create-target.js';
import { parseRetryAfter } from '../../../src/targets/parse-retry-after.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { startRecordingServer } from '../../support/targets/recording-server.js';

describe('Retry-After', () => {
  const now = Date.parse('2026-11-29T09:00:00Z');

  it('reads delay-seconds and HTTP-dates (RFC 9110), a past date as 0, anything else as absent', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Sun, 29 Nov 2026 09:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sun, 29 Nov 2026 08:00:00 GMT', now), 0);
    for (const bad of [null, '', '-5', '1.5', 'soon', '2026-11-29T09:00:30Z'])
      assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  });

  describe('from an http target', () => {
    let answer: { status: number; retryAfter?: string } = { status: 503 };
    let server: Awaited<ReturnType<typeof startRecordingServer>>;
    before(async () => {
      server = await startRecordingServer((_req, res) =>
        res.writeHead(answer.status, answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter }).end('busy'),
      );
    });
    after(() => server.close());

    const target = () =>
      createTarget(
        botDefinitionSchema.parse({
          name: 'probot-app',
          queue: 'bot-probot-app',
          events: ['*'],
          target: { type: 'http', urlSetting: 'URL' },
        }),
        {
          env: { URL: server.url },
          journalPath: '/nonexistent',
          now: () => new Date(),
        },
      );
    const input: TargetInput = {
      envelope: pullRequestEnvelope({ deliveryId: 'd-1', number: 1 }),
      session: { id: 'pr-octo/repo-1', generation: 1, index: 1, isNew: true },
      deliveryCount: 1,
    };
    const failure = async () => {
      try {
        await target().deliver(input);
      } catch (error) {
        assert.ok(error instanceof TransientError, String(error));
        return error;
      }
      throw new Error('expected a transient failure');
    };

    it('carries the wait a 429 or 503 asks for on the transient failure', async () => {
      answer = { status: 429, retryAfter: '3' };
      assert.equal((await failure()).retryAfterMs, 3_000);
      answer = { status: 503, retryAfter: '7' };
      const error = await failure();
      assert.equal(error.retryAfterMs, 7_000);
      assert.match(error.message, /answered 503.*Retry-After 7000 ms/);
    });

    it('ignores Retry-After on other statuses and when unreadable', async () => {
      answer = { status: 500, retryAfter: '3' };
      assert.equal((await failure()).retryAfterMs, undefined);
      answer = { status: 503, retryAfter: 'later' };
      assert.equal((await failure()).retryAfterMs, undefined);
      answer = { status: 503 };
      assert.equal((await failure()).retryAfterMs, undefined);
    });
  });
});
