import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botDefinitionSchema, type BotDefinition } from '../../../src/bots/bot-config-schema.js';
import type { EventEnvelope, JsonObject, PayloadRef } from '../../../src/envelope/event-envelope.js';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createBotMessageHandler } from '../../../src/processing/bot-message-handler.js';
import type { BotTarget, TargetInput } from '../../../src/targets/bot-target.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import {
  memoryPoisonStore,
  memorySessions,
  queueContext,
  recordingTelemetry,
  type CapturedLog,
} from '../../support/processing/fakes.js';

const bot: BotDefinition = botDefinitionSchema.parse({
  name: 'merge-warden',
  queue: 'bot-merge-warden',
  events: ['pull_request'],
  delivery: { maxDeliveryCount: 3 },
});

const NOW = new Date('2026-11-26T17:00:05.000Z');

function setup(options: { target?: BotTarget['deliver']; blobs?: Map<string, JsonObject | Error>; bot?: BotDefinition } = {}) {
  const delivered: TargetInput[] = [];
  const pauses: number[] = [];
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
    now: () => NOW,
    pause: async (ms) => void pauses.push(ms),
  });
  return { handler, delivered, sessions, poison, telemetry, resolved, pauses };
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
    assert.deepEqual(telemetry.events.map((e) => e.name), ['BotMessageProcessed']);
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

  it('throws a transient target failure so the host abandons, without poisoning, and says it will retry', async () => {
    const failure = new TransientError('target answered 503');
    const logs: CapturedLog[] = [];
    const { handler, poison, telemetry } = setup({ target: async () => { throw failure; } });
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 2 }, logs)), (error) => error === failure);
    assert.equal(poison.records.length, 0);
    assert.equal(telemetry.exceptions.length, 1);
    assert.match(logs.find((l) => l.level === 'warning')!.text, /delivery 2 of 3.*retried.*503/);
  });

  it('pauses before handing a transient failure back, longer each delivery, so a bot down for seconds does not burn every delivery at once', async () => {
    // Service Bus redelivers an abandoned message at once: without the pause, ten deliveries
    // of a message to a bot restarting for a second take milliseconds and end in the dead letters.
    const { handler, pauses } = setup({ target: async () => { throw new TransientError('target answered 503'); } });
    for (const deliveryCount of [1, 2, 3]) {
      await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount })), /503/);
    }
    assert.deepEqual(pauses, [1_000, 2_000], 'retryDelay (PT1S by default), doubled per delivery; none on the last one');
  });

  it('never pauses longer than half the lock, so the message lock outlives the pause even without renewal', async () => {
    const shortLock = botDefinitionSchema.parse({
      name: 'merge-warden',
      queue: 'bot-merge-warden',
      events: ['pull_request'],
      delivery: { maxDeliveryCount: 10, lockDuration: 'PT10S', retryDelay: 'PT2S' },
    });
    const { handler, pauses } = setup({ bot: shortLock, target: async () => { throw new TransientError('down'); } });
    for (const deliveryCount of [1, 2, 5]) await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount })), /down/);
    assert.deepEqual(pauses, [2_000, 4_000, 5_000]);
  });

  it('does not pause when retryDelay is PT0S, nor for a permanent failure', async () => {
    const noDelay = botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['pull_request'], delivery: { retryDelay: 'PT0S' } });
    const transient = setup({ bot: noDelay, target: async () => { throw new TransientError('down'); } });
    await assert.rejects(transient.handler(envelope, queueContext(meta)), /down/);
    const permanent = setup({ target: async () => { throw new PermanentError('TargetRejected', 'no'); } });
    await permanent.handler(envelope, queueContext(meta));
    assert.deepEqual([...transient.pauses, ...permanent.pauses], []);
  });

  it('counts an unknown error as transient', async () => {
    const { handler, poison } = setup({ target: async () => { throw new Error('socket hang up'); } });
    await assert.rejects(handler(envelope, queueContext(meta)), /socket hang up/);
    assert.equal(poison.records.length, 0);
  });

  it('records a target rejection as poison and returns, so the session moves on', async () => {
    const logs: CapturedLog[] = [];
    const { handler, poison, sessions, telemetry } = setup({
      target: async () => { throw new PermanentError('TargetRejected', 'Bot answered 422: unprocessable'); },
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
    const { handler, poison } = setup({ target: async () => { throw new TransientError('target answered 500'); } });
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
    const { handler, poison } = setup({ target: async () => { throw new TransientError('timeout'); } });
    poison.failWith = new Error('table unavailable');
    await assert.rejects(handler(envelope, queueContext({ ...meta, deliveryCount: 3 }, logs)), /timeout/);
    assert.ok(logs.some((l) => l.level === 'error' && /dead-letter queue unrecorded/.test(l.text)));
  });

  it('does not complete a permanent failure it could not record: it throws so the message is retried', async () => {
    const logs: CapturedLog[] = [];
    const { handler, poison } = setup({ target: async () => { throw new PermanentError('TargetRejected', '404'); } });
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
    assert.deepEqual(telemetry.events.map((e) => e.name), ['BotMessageProcessed']);
  });

  it('for a bot with strategy none: a permanent failure is still recorded as poison, without a session', async () => {
    const unordered: BotDefinition = { ...bot, strategy: { type: 'none', params: {} } };
    const { handler, poison } = setup({ bot: unordered, target: async () => Promise.reject(new PermanentError('TargetRejected', 'no')) });
    await handler(envelope, queueContext({ messageId: 'd-9' }));
    assert.deepEqual([poison.records[0]?.reason, poison.records[0]?.sessionId, poison.records[0]?.stage], ['TargetRejected', null, 'target']);
  });

  it('treats a message without a SessionId as poison', async () => {
    const { handler, poison, delivered } = setup();
    await handler(envelope, queueContext({ messageId: 'd-4' }));
    assert.equal(poison.records[0]?.reason, 'MissingSessionId');
    assert.equal(delivered.length, 0);
  });
});
