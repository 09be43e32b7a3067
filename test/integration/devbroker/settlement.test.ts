import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDevBroker } from '../../support/dev-broker-fixture.js';

test('complete removes the message for good', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, broker }) => {
    await client.createSender('orders').sendMessages({ body: 1, sessionId: 's', messageId: '1' });
    const receiver = await client.acceptSession('orders', 's');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await receiver.completeMessage(message!);
    assert.deepEqual(await receiver.peekMessages(10), []);
    assert.equal(broker.queueStats('orders').active, 0);
  });
});

test('abandon puts the same message first again with deliveryCount + 1', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    await client.createSender('orders').sendMessages([
      { body: 'first', sessionId: 's', messageId: '1' },
      { body: 'second', sessionId: 's', messageId: '2' },
    ]);
    const receiver = await client.acceptSession('orders', 's');
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await receiver.abandonMessage(first!);
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(again!.body, 'first');
    assert.equal(again!.deliveryCount, 1);
    assert.equal(again!.sequenceNumber!.toNumber(), first!.sequenceNumber!.toNumber());
  });
});

test('past maxDeliveryCount the message goes to $DeadLetterQueue with MaxDeliveryCountExceeded, unblocking its session', async () => {
  await withDevBroker([{ name: 'orders', maxDeliveryCount: 2 }], async ({ client }) => {
    await client.createSender('orders').sendMessages([
      { body: 'poison', sessionId: 's', messageId: '1', applicationProperties: { eventType: 'push' } },
      { body: 'next', sessionId: 's', messageId: '2' },
    ]);
    const receiver = await client.acceptSession('orders', 's');
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
      assert.equal(message!.body, 'poison');
      await receiver.abandonMessage(message!);
    }
    const [next] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(next!.body, 'next');

    const deadLetters = client.createReceiver('orders', { subQueueType: 'deadLetter' });
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(dead!.body, 'poison');
    assert.equal(dead!.deadLetterReason, 'MaxDeliveryCountExceeded');
    assert.equal(dead!.deadLetterSource, 'orders');
    assert.equal(dead!.sessionId, 's');
    assert.equal(dead!.applicationProperties!.eventType, 'push');
    await deadLetters.completeMessage(dead!);
    assert.deepEqual(await deadLetters.peekMessages(5), []);
  });
});

test('deadLetterMessage moves the message with its reason and description', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, broker }) => {
    await client.createSender('orders').sendMessages({ body: { bad: true }, sessionId: 's', messageId: '1' });
    const receiver = await client.acceptSession('orders', 's');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'MalformedEnvelope',
      deadLetterErrorDescription: 'schemaVersion missing',
    });
    assert.deepEqual(broker.queueStats('orders'), { ...broker.queueStats('orders'), active: 0, deadLetter: 1 });

    const [dead] = await client.createReceiver('orders', { subQueueType: 'deadLetter' }).peekMessages(1);
    assert.deepEqual(dead!.body, { bad: true });
    assert.equal(dead!.deadLetterReason, 'MalformedEnvelope');
    assert.equal(dead!.deadLetterErrorDescription, 'schemaVersion missing');
  });
});
