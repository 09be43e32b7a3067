import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVELOPE_SCHEMA_VERSION, type EventEnvelope } from '../../../src/envelope/event-envelope.js';
import { noTelemetry } from '../../../src/telemetry/telemetry.js';
import { createServiceBusDispatcher } from '../../../src/transport/service-bus-dispatcher.js';
import type { OutgoingMessage } from '../../../src/transport/outgoing-message.js';
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
        const messages: OutgoingMessage[] = queues.map(({ name }) => ({ bot: name, queue: name, sessionId: 's', messageId: 'd1', envelope }));
        // The first webhook opens every sender: each open and each send listens to the one budget signal.
        await dispatcher.dispatch(messages, AbortSignal.timeout(5_000));
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
  assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
});
