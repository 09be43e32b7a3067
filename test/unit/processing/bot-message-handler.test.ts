import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import type { EventEnvelope, JsonObject, PayloadRef } from '../../../src/envelope/event-envelope.js';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createBotMessageHandler } from '../../../src/processing/bot-message-handler.js';
import type { BotTarget, TargetInput } from '../../../src/targets/bot-target.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { memoryPoisonStore, memorySessions, queueContext, recordingTelemetry, type CapturedLog } from '../../support/processing/fakes.js';

const bot: BotDefinition = botDefinitionSchema.parse({
  name: 'merge-warden',
  queue: 'bot-merge-warden',
  events: ['pull_request'],
  delivery: { maxDeliveryCount: 3 },
  onPoison: 'skip',
});

const NOW = new Date('2026-11-26T17:00:05.000Z');

function setup(options: { target?: BotTarget['deliver']; blobs?: Map<string, JsonObject | Error>; bot?: BotDefinition } = {}) {
  const delivered: TargetInput[] = [];
  /** Every wait between retries in place; a wait moves the fake clock on by as much. */
  const waits: number[] = [];
  let clock = NOW.getTime();
  const sessions = memorySessions();
  const poison = memoryPoisonStore();
  const telemetry = recordingTelemetry();
  const resolved: PayloadRef[] = [];
  const handler = createBotMessageHandler({
    bot: options.bot ?? bot,
    parseEnvelope,
    resolvePayload: async (ref) => {
      resolved.push(ref);
      const blob = options.blobs?.get(ref.blobName);
      if (blob === undefined) throw new PermanentError('ClaimCheckMissing', `blob ${ref.blobName} does not exist`);
      if (blob instanceof Error) throw blob;
      return blob;
    },
    sessions,
    target: {
      async deliver(input) {
        delivered.push(input);
        await options.target?.(input);
      },
    },
    poison,
    telemetry,
    now: () => new Date(clock),
    wait: async (ms, signals) => {
      if (signals.some((signal) => signal.aborted)) return false;
      waits.push(ms);
      clock += ms;
      return true;
    },
    random: () => 0.5,
  });
  return { handler, delivered, sessions, poison, telemetry, resolved, waits };
}

const envelope = pullRequestEnvelope({ deliveryId: 'd-1', number: 7 });
const meta = { sessionId: 'pr-octo/repo-7', messageId: 'd-1', eventType: 'pull_request' };

describe('bot message handler', () => {
  it('touches the session and hands the target the envelope and its session, then returns', async () => {
    const { handler, delivered, sessions, poison, telemetry } = setup();
    await handler(envelope, queueContext(meta));
    assert.equal(delivered.length, 1);
    assert.deepEqual(delivered[0]!.envelope.payload, envelope.payload);
    assert.deepEqual(delivered[0]!.session, { id: 'pr-octo/repo-7', generation: 1, index: 1, isNew: true });
    assert.equal(delivered[0]!.deliveryCount, 1);
    assert.deepEqual(sessions.touches, [{ bot: 'merge-warden', sessionId: 'pr-octo/repo-7', messageId: 'd-1' }]);
    assert.equal(poison.records.length, 0);
    assert.deepEqual(
      telemetry.events.map((e) => e.name),
      ['BotMessageProcessed'],
    );
    assert.equal(telemetry.metrics.find((m) => m.name === 'BotMessageLatencyMs')?.value, 5_000);
  });

  it('accepts the body as JSON text or bytes, as a host may hand it over', async () => {
    const { handler, delivered } = setup();
    await handler(JSON.stringify(envelope), queueContext(meta));
    await handler(Buffer.from(JSON.stringify(envelope)), queueContext({ ...meta, messageId: 'd-1b' }));
    assert.equal(delivered.length, 2);
    assert.deepEqual(delivered[1]!.envelope.payload, envelope.payload);
  });

  it('resolves a claim check and delivers the stored payload inline', async () => {
    const ref: PayloadRef = { container: 'webhook-payloads', blobName: 'd-2.json', size: 10, sha256: 'ab'.repeat(32) };
    const { payload, ...fields } = pullRequestEnvelope({ deliveryId: 'd-2' });
    const claimed: EventEnvelope = { ...fields, payloadRef: ref };
    const { handler, delivered, resolved } = setup({ blobs: new Map([['d-2.json', payload]]) });
    await handler(claimed, queueContext({ ...meta, messageId: 'd-2' }));
    assert.deepEqual(resolved, [ref]);
    assert.deepEqual(delivered[0]!.envelope.payload, payload);
    assert.equal(delivered[0]!.envelope.payloadRef, undefined);
  });

  it('retries a transient target failure in place, with growing jittered waits, and completes without spending a delivery', async () => {
    const logs: CapturedLog[] = [];
    let calls = 0;
    const { handler, waits, sessions, poison, telemetry, delivered } = setup({
      target: async () => {
        if (++calls <= 4) throw new TransientError('target answered 503');
      },
    });
    await handler(envelope, queueContext(meta, logs));
    // PT1S doubled per retry; equal jitter with random() = 0.5 gives three quarters of each.
    assert.deepEqual(waits, [750, 1_500, 3_000, 6_000]);
    assert.equal(delivered.length, 5);
    assert.equal(sessions.touches.length, 1, 'the session is touched once, only the target step is retried');
    assert.equal(poison.records.length, 0);
    assert.equal(telemetry.events[0]?.properties?.retriesInPlace, 4);
    assert.equal(logs.filter((l) => l.level === 'warning').length, 4);
    assert.match(logs[0]!.text, /delivery 1\); retry 1 in place in 750 ms: TransientError: target answered 503/);
  });

  it('gives a transient failure back once maxRetryDuration is spent, so the host abandons it, without poisoning', async () => {
    const failure = new TransientError('target answered 503');
    const logs: CapturedLog[] = [];
    const { handler, poison, telemetry, waits } = setup({
      target: async () => {
        throw failure;
      },
    });
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 2 }, logs)), (error) => error === failure);
    assert.equal(
      waits.reduce((a, b) => a + b, 0),
      240_000,
      'waited exactly the PT4M budget, the last wait cut to fit',
    );
    assert.ok(
      waits.every((ms) => ms <= 30_000),
      'no single wait over 30 s',
    );
    assert.equal(poison.records.length, 0);
    assert.equal(telemetry.exceptions.length, 1);
    assert.match(logs.at(-1)!.text, /delivery 2 of 3\) after \d+ retries in place; handing it back for redelivery.*503/);
  });

  it("waits at least the target's Retry-After, and hands the failure back when it asks for more than the budget left", async () => {
    let calls = 0;
    const polite = setup({
      target: async () => {
        if (++calls === 1) throw new TransientError('429', { retryAfterMs: 7_000 });
      },
    });
    await polite.handler(envelope, queueContext(meta));
    assert.deepEqual(polite.waits, [7_000]);

    const tooLong = setup({
      target: async () => {
        throw new TransientError('503', { retryAfterMs: 600_000 });
      },
    });
    await assert.rejects(tooLong.handler(envelope, queueContext(meta)), /503/);
    assert.deepEqual(tooLong.waits, [240_000], 'waited out what the budget allows, then gave it back without calling early');
  });

  it('does not retry in place when maxRetryDuration is PT0S, nor a permanent failure', async () => {
    const off = botDefinitionSchema.parse({
      name: 'merge-warden',
      queue: 'bot-merge-warden',
      events: ['pull_request'],
      delivery: { maxRetryDuration: 'PT0S' },
      onPoison: 'skip',
    });
    const transient = setup({
      bot: off,
      target: async () => {
        throw new TransientError('down');
      },
    });
    await assert.rejects(transient.handler(envelope, queueContext(meta)), /down/);
    const permanent = setup({
      target: async () => {
        throw new PermanentError('TargetRejected', 'no');
      },
    });
    await permanent.handler(envelope, queueContext(meta));
    assert.deepEqual([...transient.waits, ...permanent.waits], []);
    assert.equal(transient.delivered.length, 1);
  });

  it('counts an unknown error as transient', async () => {
    const { handler, poison } = setup({
      target: async () => {
        throw new Error('socket hang up');
      },
    });
    await assert.rejects(handler(envelope, queueContext(meta)), /socket hang up/);
    assert.equal(poison.records.length, 0);
  });

  it('records a target rejection as poison and returns, so the session moves on', async () => {
    const logs: CapturedLog[] = [];
    const { handler, poison, sessions, telemetry } = setup({
      target: async () => {
        throw new PermanentError('TargetRejected', 'Bot answered 422: unprocessable');
      },
    });
    await handler(envelope, queueContext(meta, logs));
    assert.equal(poison.records.length, 1);
    const record = poison.records[0]!;
    assert.equal(record.reason, 'TargetRejected');
    assert.equal(record.stage, 'target');
    assert.equal(record.sessionId, 'pr-octo/repo-7');
    assert.equal(record.eventType, 'pull_request');
    assert.deepEqual(JSON.parse(record.body), envelope);
    // The bot was shown the message, so it counts toward the session.
    assert.equal(sessions.touches.length, 1);
    assert.ok(telemetry.events.some((e) => e.name === 'BotMessagePoisoned' && e.properties?.reason === 'TargetRejected'));
    assert.match(logs.find((l) => l.level === 'error')!.text, /recorded as poison \(TargetRejected/);
  });

  for (const [what, body] of [
    ['a body that is not JSON', '{"schemaVersion": 1, "eventId": '],
    ['JSON that is not an envelope', { hello: 'world' }],
  ] as const) {
    it(`records ${what} as MalformedEnvelope without touching the session or the target`, async () => {
      const { handler, poison, sessions, delivered } = setup();
      await handler(body, queueContext({ ...meta, messageId: 'bad-1' }));
      assert.equal(poison.records.length, 1);
      assert.equal(poison.records[0]!.reason, 'MalformedEnvelope');
      assert.equal(poison.records[0]!.stage, 'envelope');
      assert.equal(poison.records[0]!.eventType, 'pull_request', 'taken from the application properties');
      assert.equal(poison.records[0]!.body, typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(sessions.touches.length, 0);
      assert.equal(delivered.length, 0);
    });
  }

  it('records a missing claim-check blob as poison without touching the session', async () => {
    const { payload: _payload, ...fields } = pullRequestEnvelope({ deliveryId: 'd-3' });
    const claimed: EventEnvelope = { ...fields, payloadRef: { container: 'c', blobName: 'gone.json', size: 1, sha256: 'cd'.repeat(32) } };
    const { handler, poison, sessions } = setup();
    await handler(claimed, queueContext({ ...meta, messageId: 'd-3' }));
    assert.equal(poison.records[0]?.reason, 'ClaimCheckMissing');
    assert.equal(poison.records[0]?.stage, 'claim-check');
    assert.equal(sessions.touches.length, 0);
  });

  it('on the last allowed delivery records MaxDeliveryCountExceeded with the last error, then still throws', async () => {
    const { handler, poison } = setup({
      target: async () => {
        throw new TransientError('target answered 500');
      },
    });
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 2 })), /500/);
    assert.equal(poison.records.length, 0, 'not before the last delivery');
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 3 })), /500/);
    assert.equal(poison.records.length, 1);
    assert.equal(poison.records[0]!.reason, 'MaxDeliveryCountExceeded');
    assert.equal(poison.records[0]!.deliveryCount, 3);
    assert.match(poison.records[0]!.detail, /TransientError: target answered 500/);
  });

  it('still throws on the last delivery when the poison store is down (the broker dead-letters it)', async () => {
    const logs: CapturedLog[] = [];
    const { handler, poison } = setup({
      target: async () => {
        throw new TransientError('timeout');
      },
    });
    poison.failWith = new Error('table unavailable');
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 3 }, logs)), /timeout/);
    assert.ok(logs.some((l) => l.level === 'error' && /dead-letter queue unrecorded/.test(l.text)));
  });

  it('does not complete a permanent failure it could not record: it throws so the message is retried', async () => {
    const logs: CapturedLog[] = [];
    const { handler, poison } = setup({
      target: async () => {
        throw new PermanentError('TargetRejected', '404');
      },
    });
    poison.failWith = new Error('table unavailable');
    await assert.rejects(handler(envelope, queueContext(meta, logs)), /table unavailable/);
    assert.ok(logs.some((l) => l.level === 'error' && /could not record.*retried/.test(l.text)));
  });

  it('for a bot with strategy none: no session touch (no Table write), the target is told there is no session', async () => {
    const unordered: BotDefinition = { ...bot, strategy: { type: 'none', params: {} } };
    const { handler, delivered, sessions, poison, telemetry } = setup({ bot: unordered });
    await handler(envelope, queueContext({ messageId: 'd-1', eventType: 'pull_request' }));
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.session, null);
    assert.deepEqual(sessions.touches, []);
    assert.equal(poison.records.length, 0);
    assert.deepEqual(
      telemetry.events.map((e) => e.name),
      ['BotMessageProcessed'],
    );
  });

  it('for a bot with strategy none: a permanent failure is still recorded as poison, without a session', async () => {
    const unordered: BotDefinition = { ...bot, strategy: { type: 'none', params: {} } };
    const { handler, poison } = setup({ bot: unordered, target: async () => Promise.reject(new PermanentError('TargetRejected', 'no')) });
    await handler(envelope, queueContext({ messageId: 'd-9' }));
    assert.deepEqual(
      [poison.records[0]?.reason, poison.records[0]?.sessionId, poison.records[0]?.stage],
      ['TargetRejected', null, 'target'],
    );
  });

  it('treats a message without a SessionId as poison', async () => {
    const { handler, poison, delivered } = setup();
    await handler(envelope, queueContext({ messageId: 'd-4' }));
    assert.equal(poison.records[0]?.reason, 'MissingSessionId');
    assert.equal(delivered.length, 0);
  });
});
