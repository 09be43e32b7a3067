import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceBusMessageHandler } from '../../../src/functions-model/function-definitions.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { startSessionPump } from '../../../tools/local-host/session-pump.js';
import { invocationSignals } from '../../../src/processing/invocation-signal.js';
import { abortableWait } from '../../../src/processing/retry-in-place.js';
import { fastRetries, withDevBroker } from '../../support/dev-broker-fixture.js';

const QUEUE = 'bot-toy';
const definition = (handler: ServiceBusMessageHandler) => ({
  kind: 'serviceBusQueue' as const,
  cardinality: 'one' as const,
  name: 'bot-toy',
  queueName: QUEUE,
  connection: 'ServiceBusConnection' as const,
  isSessionsEnabled: true as const,
  handler,
});

/** A handler that waits to retry in place for a minute, unless its invocation is cancelled. */
function waitingHandler() {
  const outcomes: boolean[] = [];
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  const handler: ServiceBusMessageHandler = async (_body, context) => {
    entered();
    const waited = await abortableWait(60_000, invocationSignals(context));
    outcomes.push(waited);
    if (!waited) throw new Error('cancelled while waiting to retry');
  };
  return { handler, outcomes, inHandler };
}

async function sendOne(client: import('@azure/service-bus').ServiceBusClient): Promise<void> {
  const sender = client.createSender(QUEUE);
  await sender.sendMessages({ body: { n: 1 }, sessionId: 'pr-octo/down', messageId: 'm-1' });
  await sender.close();
}

test(
  'a handler waiting to retry in place is cancelled at functionTimeout and when the pump stops, at once',
  { timeout: 20_000 },
  async () => {
    await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ broker, client, newClient }) => {
      await sendOne(client);
      const timeoutCase = waitingHandler();
      const timingOut = startSessionPump({
        client: newClient(fastRetries),
        definition: definition(timeoutCase.handler),
        hostOptions: { maxConcurrentSessions: 1, sessionIdleTimeoutMs: 100, maxAutoLockRenewalDurationMs: 60_000, functionTimeoutMs: 300 },
        log: silentLog,
      });
      await timeoutCase.inHandler;
      while (timeoutCase.outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await timingOut.stop(60_000);
      assert.equal(timeoutCase.outcomes[0], false, 'the wait was cut short at functionTimeout');

      const stopCase = waitingHandler();
      const stopping = startSessionPump({
        client: newClient(fastRetries),
        definition: definition(stopCase.handler),
        hostOptions: {
          maxConcurrentSessions: 1,
          sessionIdleTimeoutMs: 100,
          maxAutoLockRenewalDurationMs: 60_000,
          functionTimeoutMs: 120_000,
        },
        log: silentLog,
      });
      await stopCase.inHandler;
      // A 60 s grace: the test's 20 s timeout fails unless the stop cancels the wait itself.
      await stopping.stop(60_000);
      assert.deepEqual(stopCase.outcomes, [false]);
      assert.equal(stopping.stats().abandoned, 1, 'the message was handed back for redelivery');
      const stats = broker.queueStats(QUEUE);
      assert.equal(stats.active, 1);
      assert.equal(stats.locked, 0);
    });
  },
);
