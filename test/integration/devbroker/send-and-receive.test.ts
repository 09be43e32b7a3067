import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDevBroker } from '../../support/dev-broker-fixture.js';

test('single, array and batch sends arrive with their session id, message id, subject and application properties', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    const sender = client.createSender('orders');
    await sender.sendMessages({
      body: { n: 1 },
      sessionId: 'pr-o/r-1',
      messageId: 'd-1',
      subject: 'pull_request.opened',
      applicationProperties: { bot: 'merge-warden', attempt: 1 },
    });
    await sender.sendMessages([
      { body: { n: 2 }, sessionId: 'pr-o/r-1', messageId: 'd-2', contentType: 'application/json' },
      { body: { n: 3 }, sessionId: 'pr-o/r-1', messageId: 'd-3' },
    ]);
    const batch = await sender.createMessageBatch();
    assert.equal(batch.maxSizeInBytes, 262_144);
    assert.ok(batch.tryAddMessage({ body: { n: 4 }, sessionId: 'pr-o/r-1', messageId: 'd-4', correlationId: 'c-4' }));
    await sender.sendMessages(batch);

    const receiver = await client.acceptSession('orders', 'pr-o/r-1');
    const received = await receiver.receiveMessages(4, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual(
      received.map((m): unknown => m.body),
      [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }],
    );
    const [first, second, , fourth] = received;
    assert.equal(first!.messageId, 'd-1');
    assert.equal(first!.sessionId, 'pr-o/r-1');
    assert.equal(first!.subject, 'pull_request.opened');
    assert.deepEqual(first!.applicationProperties, { bot: 'merge-warden', attempt: 1 });
    assert.equal(first!.deliveryCount, 0);
    assert.ok(first!.enqueuedTimeUtc instanceof Date);
    assert.ok(first!.lockToken && /^[0-9a-f-]{36}$/.test(first!.lockToken));
    assert.equal(second!.contentType, 'application/json');
    assert.equal(fourth!.correlationId, 'c-4');
    const sequenceNumbers = received.map((m) => m.sequenceNumber!.toNumber());
    assert.deepEqual(
      sequenceNumbers,
      [...sequenceNumbers].sort((a, b) => a - b),
    );
    for (const message of received) await receiver.completeMessage(message);
    await receiver.close();
  });
});

test('a queue created on demand is served at once, and createMessageBatch sees its own max message size', async () => {
  await withDevBroker([], async ({ client, broker }) => {
    broker.createQueue({ name: 'small', maxMessageSizeBytes: 2_048 });
    assert.deepEqual(broker.queueNames(), ['small']);
    const batch = await client.createSender('small').createMessageBatch();
    assert.equal(batch.maxSizeInBytes, 2_048);
    assert.throws(() => broker.createQueue({ name: 'SMALL' }), /already exists/);
  });
});

test('each session is FIFO while two sessions progress independently', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    const sender = client.createSender('orders');
    const messages = [];
    for (let n = 0; n < 6; n++) messages.push({ body: n, sessionId: n % 2 === 0 ? 'even' : 'odd', messageId: `m-${n}` });
    await sender.sendMessages(messages);

    const even = await client.acceptSession('orders', 'even');
    const odd = await client.acceptSession('orders', 'odd');
    const [firstOdd] = await odd.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    const evens = await even.receiveMessages(3, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual(
      evens.map((m): unknown => m.body),
      [0, 2, 4],
    );
    for (const m of evens) await even.completeMessage(m);
    await odd.completeMessage(firstOdd!);
    const rest = await odd.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual([firstOdd!.body as unknown, ...rest.map((m): unknown => m.body)], [1, 3, 5]);
  });
});

test('peekMessages shows messages without locking or removing them', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, broker }) => {
    await client.createSender('orders').sendMessages([
      { body: 'a', sessionId: 's', messageId: 'a' },
      { body: 'b', sessionId: 's', messageId: 'b' },
      { body: 'c', sessionId: 't', messageId: 'c' },
    ]);
    const session = await client.acceptSession('orders', 's');
    assert.deepEqual(
      (await session.peekMessages(10)).map((m): unknown => m.body),
      ['a', 'b'],
    );
    const peeker = client.createReceiver('orders', { subQueueType: 'deadLetter' });
    assert.deepEqual(await peeker.peekMessages(10), []);
    assert.equal(broker.queueStats('orders').active, 3);
    const [first] = await session.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(first!.body, 'a');
  });
});
