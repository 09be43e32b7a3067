import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { DispatchError } from '../../../src/transport/dispatcher.js';
import { createServiceBusDispatcher } from '../../../src/transport/service-bus-dispatcher.js';
import { createSessionOrder } from '../../../src/transport/session-order.js';
import type { OutgoingMessage } from '../../../src/transport/outgoing-message.js';
import { dispatchNow } from '../../support/dispatch-now.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

/** A client whose senders record messages; `failing` queues refuse with a non-retryable error. */
function fakeClient(failing: Set<string> = new Set()) {
  const sent: { queue: string; message: ServiceBusMessage }[] = [];
  const created: string[] = [];
  const client = {
    createSender(queue: string) {
      created.push(queue);
      return {
        isClosed: false,
        async sendMessages(message: ServiceBusMessage) {
          if (failing.has(queue))
            throw Object.assign(new Error(`entity ${queue} not found`), { code: 'MessagingEntityNotFound', retryable: false });
          sent.push({ queue, message });
        },
        async close() {},
      } as unknown as ServiceBusSender;
    },
  } as unknown as ServiceBusClient;
  return { client, sent, created };
}

const envelope = { schemaVersion: ENVELOPE_SCHEMA_VERSION, eventId: 'd1', eventType: 'push', action: null } as unknown as EventEnvelope;
const to = (bot: string): OutgoingMessage => ({
  bot,
  queue: `bot-${bot}`,
  sessionId: `s-${bot}`,
  messageId: 'd1',
  ordered: true,
  envelope,
});

test('every routed message goes to its own queue, through one cached sender per queue', async () => {
  const { client, sent, created } = fakeClient();
  const telemetry = recordingTelemetry();
  const dispatcher = createServiceBusDispatcher({ client, telemetry });
  await dispatchNow(dispatcher, [to('a'), to('b')], new AbortController().signal);
  await dispatchNow(dispatcher, [to('a'), to('b')], new AbortController().signal);
  assert.deepEqual(created.sort(), ['bot-a', 'bot-b']);
  assert.deepEqual(sent.map((s) => `${s.queue}:${s.message.sessionId}`).sort(), ['bot-a:s-a', 'bot-a:s-a', 'bot-b:s-b', 'bot-b:s-b']);
  assert.equal(telemetry.metrics.filter((m) => m.name === 'WebhookSendLatencyMs').length, 4);
  await dispatcher.close();
});

test('a queue that does not accept fails the dispatch, naming the queue and why, after the others were sent', async () => {
  const { client, sent } = fakeClient(new Set(['bot-b']));
  const dispatcher = createServiceBusDispatcher({ client, telemetry: recordingTelemetry() });
  await assert.rejects(dispatchNow(dispatcher, [to('a'), to('b'), to('c')], new AbortController().signal), (error: unknown) => {
    assert.ok(error instanceof DispatchError);
    assert.deepEqual(
      error.failures.map((f) => f.queue),
      ['bot-b'],
    );
    assert.match(error.failures[0]!.reason, /MessagingEntityNotFound/);
    return true;
  });
  assert.deepEqual(sent.map((s) => s.queue).sort(), ['bot-a', 'bot-c']);
});

/**
 * A client whose senders record every attempt and every accepted message; `hold(messageId)`
 * makes that message's first attempt wait until the test settles it.
 */
function gatedClient() {
  const attempts: string[] = [];
  const accepted: string[] = [];
  const gates = new Map<string, { release(error?: Error): void }>();
  const held = new Set<string>();
  const client = {
    createSender(queue: string) {
      return {
        isClosed: false,
        async sendMessages(message: ServiceBusMessage) {
          const id = String(message.messageId);
          attempts.push(id);
          if (held.delete(id)) {
            await new Promise<void>((resolve, reject) => gates.set(id, { release: (error) => (error ? reject(error) : resolve()) }));
          }
          accepted.push(`${queue}/${message.sessionId}/${id}`);
        },
        async close() {},
      } as unknown as ServiceBusSender;
    },
  } as unknown as ServiceBusClient;
  const hold = (messageId: string) => {
    held.add(messageId);
    return { release: (error?: Error) => gates.get(messageId)!.release(error) };
  };
  return { client, attempts, accepted, hold };
}

const fast = { initialMs: 1, maxMs: 1 };
const connectionReset = () => Object.assign(new Error('connection reset'), { code: 'ServiceCommunicationProblem', retryable: true });
const message = (sessionId: string, messageId: string, ordered = true): OutgoingMessage => ({
  bot: 'a',
  queue: 'bot-a',
  sessionId,
  messageId,
  ordered,
  envelope,
});
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('a send that is retried is not overtaken by the next event of its session; other sessions are not held up', async () => {
  const { client, attempts, accepted, hold } = gatedClient();
  const sessionOrder = createSessionOrder();
  const telemetry = recordingTelemetry();
  const dispatcher = createServiceBusDispatcher({ client, telemetry, backoff: fast, sessionOrder });
  const first = hold('d1');
  const firstDispatch = dispatchNow(dispatcher, [message('pr-1', 'd1')], new AbortController().signal);
  const secondDispatch = dispatchNow(dispatcher, [message('pr-1', 'd2')], new AbortController().signal);
  let earlierDone = false;
  void Promise.all([firstDispatch, secondDispatch]).then(() => (earlierDone = true));

  await dispatchNow(dispatcher, [message('pr-2', 'd3')], new AbortController().signal);
  await dispatchNow(dispatcher, [message('d4', 'd4', false)], new AbortController().signal);
  assert.equal(earlierDone, false);
  assert.deepEqual(accepted, ['bot-a/pr-2/d3', 'bot-a/d4/d4'], 'other sessions complete while pr-1 is still on its way');
  assert.ok(!attempts.includes('d2'), 'the second event of pr-1 was sent before the first was accepted');

  first.release(connectionReset());
  await Promise.all([firstDispatch, secondDispatch]);
  assert.deepEqual(
    accepted.filter((entry) => entry.includes('/pr-1/')),
    ['bot-a/pr-1/d1', 'bot-a/pr-1/d2'],
  );
  assert.deepEqual(
    attempts.filter((id) => id === 'd1' || id === 'd2'),
    ['d1', 'd1', 'd2'],
  );
  assert.equal(telemetry.metrics.filter((m) => m.name === 'WebhookSendOrderWaitMs').length, 1, 'only the second event of pr-1 waited');
  await settled();
  assert.equal(sessionOrder.pendingKeys, 0);
  await dispatcher.close();
});

test('an event whose budget runs out while an earlier one of its session is being sent fails as a dispatch failure, unsent', async () => {
  const { client, attempts, accepted, hold } = gatedClient();
  const sessionOrder = createSessionOrder();
  const dispatcher = createServiceBusDispatcher({ client, telemetry: recordingTelemetry(), backoff: fast, sessionOrder });
  const first = hold('d1');
  const firstDispatch = dispatchNow(dispatcher, [message('pr-1', 'd1')], new AbortController().signal);
  const budget = new AbortController();
  const secondDispatch = dispatchNow(dispatcher, [message('pr-1', 'd2')], budget.signal);
  budget.abort();
  await assert.rejects(secondDispatch, (error: unknown) => {
    assert.ok(error instanceof DispatchError);
    assert.deepEqual(
      error.failures.map((f) => f.queue),
      ['bot-a'],
    );
    assert.match(error.failures[0]!.reason, /budget ran out while an earlier event of the same session was still on its way to the queue/);
    return true;
  });
  first.release();
  await firstDispatch;
  assert.deepEqual(attempts, ['d1']);
  assert.deepEqual(accepted, ['bot-a/pr-1/d1']);
  await settled();
  assert.equal(sessionOrder.pendingKeys, 0);
  await dispatcher.close();
});

test('a reservation holds later sends of its sessions until it is dispatched or released; unordered routes reserve nothing', async () => {
  const { client, accepted } = gatedClient();
  const sessionOrder = createSessionOrder();
  const dispatcher = createServiceBusDispatcher({ client, telemetry: recordingTelemetry(), backoff: fast, sessionOrder });
  const unordered = dispatcher.reserve([message('d0', 'd0', false)]);
  assert.equal(sessionOrder.pendingKeys, 0, 'an unordered route took a place in line');
  unordered.release();

  const large = dispatcher.reserve([message('pr-1', 'd1'), message('pr-2', 'd1')]);
  const small = dispatchNow(dispatcher, [message('pr-1', 'd2')], new AbortController().signal);
  await dispatchNow(dispatcher, [message('pr-3', 'd3')], new AbortController().signal);
  await settled();
  assert.deepEqual(accepted, ['bot-a/pr-3/d3'], 'pr-1 was sent before the event that reserved it first');

  await large.dispatch(envelope, new AbortController().signal);
  large.release();
  await small;
  assert.deepEqual(accepted, ['bot-a/pr-3/d3', 'bot-a/pr-1/d1', 'bot-a/pr-2/d1', 'bot-a/pr-1/d2']);
  await assert.rejects(large.dispatch(envelope, new AbortController().signal), /dispatched once/);

  const abandoned = dispatcher.reserve([message('pr-1', 'd4')]);
  const next = dispatchNow(dispatcher, [message('pr-1', 'd5')], new AbortController().signal);
  abandoned.release();
  await next;
  assert.deepEqual(accepted.slice(-1), ['bot-a/pr-1/d5']);
  await settled();
  assert.equal(sessionOrder.pendingKeys, 0);
  await dispatcher.close();
});
