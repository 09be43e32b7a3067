import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationOptionsBase, ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { createServiceBusDispatcher } from '../../../src/transport/service-bus-dispatcher.js';
import type { OutgoingMessage } from '../../../src/transport/outgoing-message.js';
import { dispatchNow } from '../../support/dispatch-now.js';
import { fastRetries, withDevBroker } from '../../support/dev-broker-fixture.js';

const envelope = { schemaVersion: ENVELOPE_SCHEMA_VERSION, eventId: 'd1', eventType: 'push', action: null } as unknown as EventEnvelope;
const queues = Array.from({ length: 12 }, (_, i) => ({ name: `bot-${i}`, requiresSession: true }));

test('one webhook fanned out to twelve bots raises no "possible memory leak" warning on its time budget', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  try {
    await withDevBroker(queues, async ({ broker, newClient }) => {
      const dispatcher = createServiceBusDispatcher({ client: newClient(fastRetries), telemetry: noTelemetry });
      try {
        const messages: OutgoingMessage[] = queues.map(({ name }) => ({
          bot: name,
          queue: name,
          sessionId: 's',
          messageId: 'd1',
          ordered: true,
          envelope,
        }));
        // The first webhook opens every sender: each open and each send listens to the one budget signal.
        await dispatchNow(dispatcher, messages, AbortSignal.timeout(5_000));
        for (const { name } of queues) assert.equal(broker.queueStats(name).active, 1, name);
      } finally {
        await dispatcher.close();
      }
    });
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(
    warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
    [],
  );
});

test('a retried send is not overtaken by the next event of its pull request: the session receives them in arrival order', async () => {
  await withDevBroker([{ name: 'bot-a', requiresSession: true }], async ({ client, newClient }) => {
    // The real SDK's senders, except that d1's first attempt hangs until the test lets it fail
    // with a connection error, as a broker failover would.
    const real = newClient(fastRetries);
    let failFirstAttempt!: () => void;
    const firstAttemptFailed = new Promise<void>((resolve) => (failFirstAttempt = resolve));
    let held = true;
    const flaky = {
      createSender(queue: string) {
        const sender = real.createSender(queue);
        return Object.assign(Object.create(sender) as ServiceBusSender, {
          async sendMessages(message: ServiceBusMessage, options?: OperationOptionsBase) {
            if (message.messageId === 'd1' && held) {
              held = false;
              await firstAttemptFailed;
              throw Object.assign(new Error('connection reset by peer'), { code: 'ServiceCommunicationProblem', retryable: true });
            }
            return sender.sendMessages(message, options);
          },
          close: () => sender.close(),
        });
      },
    } as unknown as ServiceBusClient;
    const dispatcher = createServiceBusDispatcher({ client: flaky, telemetry: noTelemetry, backoff: { initialMs: 1, maxMs: 5 } });
    const to = (sessionId: string, messageId: string): OutgoingMessage => ({
      bot: 'a',
      queue: 'bot-a',
      sessionId,
      messageId,
      ordered: true,
      envelope: { ...envelope, eventId: messageId },
    });
    try {
      const opened = dispatchNow(dispatcher, [to('pr-1', 'd1')], AbortSignal.timeout(5_000));
      const synchronized = dispatchNow(dispatcher, [to('pr-1', 'd2')], AbortSignal.timeout(5_000));
      // Another pull request is not held up by pr-1's retry.
      await dispatchNow(dispatcher, [to('pr-2', 'd3')], AbortSignal.timeout(5_000));
      failFirstAttempt();
      await Promise.all([opened, synchronized]);

      const receiver = await client.acceptSession('bot-a', 'pr-1');
      const received = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
      assert.deepEqual(
        received.map((m) => m.messageId),
        ['d1', 'd2'],
      );
      await receiver.close();
    } finally {
      await dispatcher.close();
    }
  });
});
