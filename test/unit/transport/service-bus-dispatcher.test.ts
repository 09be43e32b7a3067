import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { DispatchError } from '../../../src/transport/dispatcher.js';
import { createServiceBusDispatcher } from '../../../src/transport/service-bus-dispatcher.js';
import type { OutgoingMessage } from '../../../src/transport/outgoing-message.js';
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
          if (failing.has(queue)) throw Object.assign(new Error(`entity ${queue} not found`), { code: 'MessagingEntityNotFound', retryable: false });
          sent.push({ queue, message });
        },
        async close() {},
      } as unknown as ServiceBusSender;
    },
  } as unknown as ServiceBusClient;
  return { client, sent, created };
}

const envelope = { schemaVersion: ENVELOPE_SCHEMA_VERSION, eventId: 'd1', eventType: 'push', action: null } as unknown as EventEnvelope;
const to = (bot: string): OutgoingMessage => ({ bot, queue: `bot-${bot}`, sessionId: `s-${bot}`, messageId: 'd1', envelope });

test('every routed message goes to its own queue, through one cached sender per queue', async () => {
  const { client, sent, created } = fakeClient();
  const telemetry = recordingTelemetry();
  const dispatcher = createServiceBusDispatcher({ client, telemetry });
  await dispatcher.dispatch([to('a'), to('b')], new AbortController().signal);
  await dispatcher.dispatch([to('a'), to('b')], new AbortController().signal);
  assert.deepEqual(created.sort(), ['bot-a', 'bot-b']);
  assert.deepEqual(sent.map((s) => `${s.queue}:${s.message.sessionId}`).sort(), ['bot-a:s-a', 'bot-a:s-a', 'bot-b:s-b', 'bot-b:s-b']);
  assert.equal(telemetry.metrics.filter((m) => m.name === 'WebhookSendLatencyMs').length, 4);
  await dispatcher.close();
});

test('a queue that does not accept fails the dispatch, naming the queue and why, after the others were sent', async () => {
  const { client, sent } = fakeClient(new Set(['bot-b']));
  const dispatcher = createServiceBusDispatcher({ client, telemetry: recordingTelemetry() });
  await assert.rejects(dispatcher.dispatch([to('a'), to('b'), to('c')], new AbortController().signal), (error: unknown) => {
    assert.ok(error instanceof DispatchError);
    assert.deepEqual(error.failures.map((f) => f.queue), ['bot-b']);
    assert.match(error.failures[0]!.reason, /MessagingEntityNotFound/);
    return true;
  });
  assert.deepEqual(sent.map((s) => s.queue).sort(), ['bot-a', 'bot-c']);
});
