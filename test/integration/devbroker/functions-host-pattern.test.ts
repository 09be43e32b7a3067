import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { withDevBroker } from '../../support/dev-broker-fixture.js';

test('the Functions host pattern: acceptNextSession with auto lock renewal, subscribe, complete in the handler', async () => {
  await withDevBroker([{ name: 'bot-merge-warden', lockDurationMs: 5_000 }], async ({ client, broker }) => {
    await client.createSender('bot-merge-warden').sendMessages([
      { body: { n: 1 }, sessionId: 'pr-o/r-7', messageId: 'a' },
      { body: { n: 2 }, sessionId: 'pr-o/r-7', messageId: 'b' },
      { body: { n: 3 }, sessionId: 'pr-o/r-7', messageId: 'c' },
    ]);
    const receiver = await client.acceptNextSession('bot-merge-warden', { maxAutoLockRenewalDurationInMs: 60_000 });
    const seen: unknown[] = [];
    let allSeen!: () => void;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    const subscription = receiver.subscribe(
      {
        async processMessage(message: ServiceBusReceivedMessage) {
          seen.push(message.body);
          await receiver.completeMessage(message);
          if (seen.length === 3) allSeen();
        },
        async processError({ error }) {
          throw error;
        },
      },
      { autoCompleteMessages: false },
    );
    await done;
    await subscription.close();
    await receiver.close();
    assert.deepEqual(seen, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(broker.queueStats('bot-merge-warden').active, 0);
    assert.deepEqual(broker.queueStats('bot-merge-warden').lockedSessions, []);
  });
});
