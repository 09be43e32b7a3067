import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { defineHeldAdminFunctions } from '../../../src/processing/held-admin.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { quietContext } from '../../support/functions-context.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { withPipeline, type PipelineFixture } from '../../support/processing/pipeline-fixture.js';
import { countRequests } from '../../support/sessions-table.js';

const { HttpRequest } = functions;

/** Messages 1..count of pull request a and b, interleaved a-1, b-1, a-2, b-2, … as they would arrive. */
function interleaved(from: number, to: number) {
  const messages = [];
  for (let i = from; i <= to; i++) {
    for (const [p, pr] of (['a', 'b'] as const).entries()) {
      messages.push({
        sessionId: `pr-octo/repo-${pr}`,
        envelope: pullRequestEnvelope({ deliveryId: `${pr}-${i}`, number: p + 1, action: i === 1 ? 'opened' : 'synchronize' }),
      });
    }
  }
  return messages;
}

const A = 'pr-octo/repo-a';
const B = 'pr-octo/repo-b';

/** The held-session endpoints over the fixture's stores and pipeline, called as the host calls them. */
function heldAdmin(fixture: PipelineFixture) {
  const [list, , resume] = defineHeldAdminFunctions({
    bots: [fixture.bot],
    sessions: fixture.sessions,
    held: fixture.held,
    deliverHeld: (bot) => (bot === fixture.bot.name ? fixture.pipeline.deliverHeld : undefined),
    now: () => new Date(),
  });
  const call = async (definition: typeof list, method: 'GET' | 'POST', sessionId: string | undefined, query: Record<string, string>) => {
    const search = new URLSearchParams(query).toString();
    const request = new HttpRequest({
      method,
      url: `http://localhost/api/held/${fixture.bot.name}${sessionId === undefined ? '' : `/${sessionId}`}${search ? `?${search}` : ''}`,
      params: sessionId === undefined ? { bot: fixture.bot.name } : { bot: fixture.bot.name, sessionId },
      query,
    });
    const response = (await definition!.handler(request, quietContext('held-admin').context)) as HttpResponseInit;
    return { status: response.status, body: response.jsonBody as Record<string, unknown> };
  };
  return {
    list: () => call(list, 'GET', undefined, {}),
    resume: (sessionId: string, action: string) => call(resume, 'POST', sessionId, { action }),
  };
}

const mergeWarden = (delivery: Record<string, unknown> = {}) => ({
  name: 'merge-warden',
  queue: 'bot-merge-warden',
  events: ['*'],
  target: { type: 'module' },
  delivery: { maxRetryDuration: 'PT0S', ...delivery },
});

describe('onPoison "hold": a poisoned message stops its session until an operator resumes it', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  it("holds a, keeps a's later messages in order while b goes on; retry delivers them in order before anything newer, through a transient failure", async () => {
    const processed: { sessionId: string; id: string; index: number }[] = [];
    let rejectA2 = true;
    let failA4Once = true;
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope, session) => {
      if (envelope.eventId === 'a-2' && rejectA2) throw new PermanentError('TargetRejected', 'merge-warden cannot handle a-2 yet');
      if (envelope.eventId === 'a-4' && !rejectA2 && failA4Once) {
        failA4Once = false;
        throw new TransientError('merge-warden is restarting');
      }
      processed.push({ sessionId: session!.id, id: envelope.eventId, index: session!.index });
    });
    await withPipeline(azurite, { bot: mergeWarden(), modules }, async (fixture) => {
      const { send, until, sessions, held, poison } = fixture;
      const admin = heldAdmin(fixture);
      assert.equal(fixture.bot.onPoison, 'hold', 'the default for an entity bot');
      await send(interleaved(1, 5));
      await until(
        async () => processed.filter((p) => p.sessionId === B).length === 5 && (await held.list('merge-warden', A)).length === 4,
        'b done, a held with 4 kept',
      );

      assert.deepEqual(
        processed.filter((p) => p.sessionId === B).map((p) => p.id),
        ['b-1', 'b-2', 'b-3', 'b-4', 'b-5'],
      );
      assert.deepEqual(
        processed.filter((p) => p.sessionId === A).map((p) => p.id),
        ['a-1'],
        'a stopped at a-2',
      );
      const line = await held.list('merge-warden', A);
      assert.deepEqual(
        line.map((m) => [m.messageId, m.poisoned]),
        [
          ['a-2', true],
          ['a-3', false],
          ['a-4', false],
          ['a-5', false],
        ],
      );
      assert.equal((await sessions.get('merge-warden', A))?.hold?.messageId, 'a-2');
      assert.equal((await poison.get('merge-warden', 'a-2'))?.reason, 'TargetRejected', 'the poison record names the same message');
      const listed = await admin.list();
      assert.equal(listed.status, 200);
      assert.deepEqual(
        (listed.body.sessions as { sessionId: string; heldMessageId: string; waiting: number }[]).map((s) => [
          s.sessionId,
          s.heldMessageId,
          s.waiting,
        ]),
        [[A, 'a-2', 4]],
      );

      // A message arriving while held joins the line; b's keeps flowing.
      await send(interleaved(6, 6));
      await until(
        async () => (await held.list('merge-warden', A)).length === 5 && processed.some((p) => p.id === 'b-6'),
        'a-6 kept, b-6 processed',
      );

      rejectA2 = false;
      const first = await admin.resume(A, 'retry');
      assert.equal(first.status, 503, JSON.stringify(first.body));
      assert.deepEqual(first.body.delivered, ['a-2', 'a-3']);
      assert.equal(first.body.at, 'a-4');
      assert.equal((await sessions.get('merge-warden', A))?.hold?.messageId, 'a-2', 'still held: nothing lost, resume again');
      assert.deepEqual(
        (await held.list('merge-warden', A)).map((m) => m.messageId),
        ['a-4', 'a-5', 'a-6'],
      );

      const second = await admin.resume(A, 'retry');
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.deepEqual(second.body.delivered, ['a-4', 'a-5', 'a-6']);
      assert.equal((await sessions.get('merge-warden', A))?.hold, undefined);
      assert.deepEqual(await held.list('merge-warden', A), []);

      await send(interleaved(7, 7));
      await until(() => processed.some((p) => p.id === 'a-7'), 'a-7 processed after the resume');
      const a = processed.filter((p) => p.sessionId === A);
      assert.deepEqual(
        a.map((p) => p.id),
        ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6', 'a-7'],
        'every message once, in arrival order',
      );
      assert.deepEqual(
        a.map((p) => p.index),
        [1, 2, 3, 4, 5, 6, 7],
      );
    });
  });

  it('skip drops the held message (it stays in the poison store) and delivers the rest in order', async () => {
    const processed: string[] = [];
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope) => {
      if (envelope.eventId === 'a-2') throw new PermanentError('TargetRejected', 'never');
      processed.push(envelope.eventId);
    });
    await withPipeline(azurite, { bot: mergeWarden(), modules }, async (fixture) => {
      const { send, until, held, poison, sessions } = fixture;
      await send(interleaved(1, 4));
      await until(async () => processed.includes('b-4') && (await held.list('merge-warden', A)).length === 3, 'a held with 3 kept');
      const retried = await heldAdmin(fixture).resume(A, 'retry');
      assert.equal(retried.status, 409, 'retry of a message that still fails holds the session again');
      assert.equal(retried.body.at, 'a-2');

      const skipped = await heldAdmin(fixture).resume(A, 'skip');
      assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
      assert.equal(skipped.body.skipped, 'a-2');
      assert.deepEqual(skipped.body.delivered, ['a-3', 'a-4']);
      assert.deepEqual(
        processed.filter((id) => id.startsWith('a-')),
        ['a-1', 'a-3', 'a-4'],
      );
      assert.equal((await poison.get('merge-warden', 'a-2'))?.reason, 'TargetRejected');
      assert.equal((await sessions.get('merge-warden', A))?.hold, undefined);
      assert.equal((await heldAdmin(fixture).resume(A, 'skip')).status, 404, 'not held any more');
    });
  });

  it('a message that runs out of deliveries holds the session instead of going to the dead-letter queue', async () => {
    const modules = createBotModuleRegistry();
    const processed: string[] = [];
    let down = true;
    modules.register('merge-warden', async (envelope) => {
      if (envelope.eventId === 'a-1' && down) throw new TransientError('down');
      processed.push(envelope.eventId);
    });
    await withPipeline(azurite, { bot: mergeWarden({ maxDeliveryCount: 2 }), modules }, async (fixture) => {
      const { send, until, held, client } = fixture;
      await send(interleaved(1, 2));
      await until(async () => (await held.list('merge-warden', A)).length === 2 && processed.includes('b-2'), 'a held at a-1');
      const deadLetters = client.createReceiver('bot-merge-warden', { subQueueType: 'deadLetter' });
      try {
        assert.deepEqual(await deadLetters.peekMessages(10), []);
      } finally {
        await deadLetters.close();
      }
      down = false;
      assert.equal((await heldAdmin(fixture).resume(A, 'retry')).status, 200);
      assert.deepEqual(
        processed.filter((id) => id.startsWith('a-')),
        ['a-1', 'a-2'],
      );
    });
  });

  it('costs a session that is not held nothing extra: one Table read for a new session, then one write per message, no held-store request', async () => {
    const counts: Record<string, ReturnType<typeof countRequests>> = {};
    const processed: string[] = [];
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope) => void processed.push(envelope.eventId));
    await withPipeline(
      azurite,
      {
        bot: mergeWarden(),
        modules,
        onTables: (tables) => {
          counts.sessions = countRequests(tables.sessions);
          counts.held = countRequests(tables.held);
        },
      },
      async ({ send, until }) => {
        await send(interleaved(1, 10).filter((m) => m.sessionId === A));
        await until(() => processed.length === 10, '10 messages processed');
      },
    );
    const log = counts.sessions!.log;
    assert.deepEqual(
      { reads: log.filter((r) => r.kind === 'read').length, writes: log.filter((r) => r.kind === 'write').length },
      { reads: 1, writes: 10 },
      'the hold check rides on the touch: the first message reads (404) and creates, each later one is one conditional write',
    );
    assert.equal(counts.held!.requests(), 0);
  });
  it('one-message sessions (events without a key: session id = delivery id) cost one Table write each, and a poisoned one is still held', async () => {
    const counts: Record<string, ReturnType<typeof countRequests>> = {};
    const processed: string[] = [];
    const modules = createBotModuleRegistry();
    modules.register('merge-warden', async (envelope) => {
      if (envelope.eventId === 'one-3') throw new PermanentError('TargetRejected', 'never');
      processed.push(envelope.eventId);
    });
    await withPipeline(
      azurite,
      {
        bot: mergeWarden(),
        modules,
        onTables: (tables) => {
          counts.sessions = countRequests(tables.sessions);
        },
      },
      async ({ send, until, held }) => {
        const ids = ['one-1', 'one-2', 'one-3', 'one-4'];
        await send(ids.map((id, i) => ({ sessionId: id, envelope: pullRequestEnvelope({ deliveryId: id, number: 10 + i }) })));
        await until(
          async () => processed.length === 3 && (await held.list('merge-warden', 'one-3')).length === 1,
          'three delivered, one-3 held',
        );
      },
    );
    const log = counts.sessions!.log.filter((r) => r.kind !== 'table');
    assert.equal(log.filter((r) => r.kind === 'read').length, 0, 'no read before the create of a new one-message session');
    assert.equal(log.filter((r) => r.kind === 'write' && r.status === 204).length, 4 + 1, 'a create each, and the hold marker on one-3');
  });
});
