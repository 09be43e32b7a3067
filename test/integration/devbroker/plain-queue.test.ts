import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, rejection, withDevBroker } from '../../support/dev-broker-fixture.js';

test('a plain queue without sessions serves createReceiver, receiveMessages, abandon and complete', async () => {
  await withDevBroker([{ name: 'plain', requiresSession: false }], async ({ client, broker }) => {
    await client.createSender('plain').sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = client.createReceiver('plain');
    const received = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual(
      received.map((m): unknown => m.body),
      [1, 2],
    );
    await receiver.abandonMessage(received[0]!);
    await receiver.completeMessage(received[1]!);
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(again!.body, 1);
    assert.equal(again!.deliveryCount, 1);
    await receiver.completeMessage(again!);
    assert.equal(broker.queueStats('plain').active, 0);
  });
});

test('on a plain queue a message lock expires on its own, and renewMessageLock extends it', async () => {
  const clock = manualClock();
  await withDevBroker(
    [{ name: 'plain', requiresSession: false, lockDurationMs: 30_000 }],
    async ({ client }) => {
      await client.createSender('plain').sendMessages([{ body: 'renewed' }, { body: 'expired' }]);
      const receiver = client.createReceiver('plain', { maxAutoLockRenewalDurationInMs: 0 });
      const [renewed, expired] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
      clock.advance(20_000);
      const until = await receiver.renewMessageLock(renewed!);
      assert.equal(until.getTime(), clock.now() + 30_000);
      clock.advance(20_000);
      await receiver.completeMessage(renewed!);
      assert.equal((await rejection(receiver.completeMessage(expired!))).code, 'MessageLockLost');
      const [redelivered] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
      assert.equal(redelivered!.body, 'expired');
      assert.equal(redelivered!.deliveryCount, 1);
    },
    { now: clock.now },
  );
});

test('receiveAndDelete takes messages off the queue as it hands them out', async () => {
  await withDevBroker([{ name: 'plain', requiresSession: false }], async ({ client, broker }) => {
    await client.createSender('plain').sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = client.createReceiver('plain', { receiveMode: 'receiveAndDelete' });
    const received = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual(
      received.map((m): unknown => m.body),
      [1, 2],
    );
    assert.deepEqual(broker.queueStats('plain'), { ...broker.queueStats('plain'), active: 0, locked: 0 });
  });
});
