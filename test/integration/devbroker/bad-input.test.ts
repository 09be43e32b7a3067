import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import rhea from 'rhea';
import { ServiceBusClient } from '@azure/service-bus';
import { startDevBroker } from '../../../tools/dev-broker/start-dev-broker.js';
import { manualClock, rejection, withDevBroker } from '../../support/dev-broker-fixture.js';

test('a message id seen within the duplicate detection window is accepted but not enqueued', async () => {
  const clock = manualClock();
  await withDevBroker(
    [
      { name: 'orders', duplicateDetectionWindowMs: 60_000 },
      { name: 'no-dedup', requiresDuplicateDetection: false },
    ],
    async ({ client, broker }) => {
      const sender = client.createSender('orders');
      await sender.sendMessages({ body: 'original', sessionId: 's', messageId: 'delivery-1' });
      await sender.sendMessages({ body: 'retry', sessionId: 's', messageId: 'delivery-1' });
      await sender.sendMessages([
        { body: 'in a batch', sessionId: 's', messageId: 'delivery-1' },
        { body: 'new', sessionId: 's', messageId: 'delivery-2' },
      ]);
      const receiver = await client.acceptSession('orders', 's');
      assert.deepEqual(
        (await receiver.peekMessages(10)).map((m): unknown => m.body),
        ['original', 'new'],
      );

      clock.advance(60_001);
      await sender.sendMessages({ body: 'after the window', sessionId: 's', messageId: 'delivery-1' });
      assert.equal(broker.queueStats('orders').active, 3);

      const plain = client.createSender('no-dedup');
      await plain.sendMessages({ body: 1, sessionId: 's', messageId: 'same' });
      await plain.sendMessages({ body: 2, sessionId: 's', messageId: 'same' });
      assert.equal(broker.queueStats('no-dedup').active, 2);
    },
    { now: clock.now },
  );
});

test('an oversize message is refused with MessageSizeExceeded, and tryAddMessage returns false', async () => {
  await withDevBroker([{ name: 'small', maxMessageSizeBytes: 1_024 }], async ({ client, broker }) => {
    const sender = client.createSender('small');
    const big = { body: 'x'.repeat(2_000), sessionId: 's', messageId: 'big' };
    assert.equal((await rejection(sender.sendMessages(big))).code, 'MessageSizeExceeded');
    assert.equal((await rejection(sender.sendMessages([big]))).code, 'MessageSizeExceeded');
    const batch = await sender.createMessageBatch();
    assert.equal(batch.tryAddMessage(big), false);
    assert.equal(batch.tryAddMessage({ body: 'small', sessionId: 's', messageId: 'small' }), true);
    await sender.sendMessages(batch);
    assert.equal(broker.queueStats('small').active, 1);
  });
});

test('an unknown queue gets MessagingEntityNotFound, for senders and receivers alike', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    const send = await rejection(client.createSender('missing').sendMessages({ body: 1, sessionId: 's' }));
    assert.equal(send.code, 'MessagingEntityNotFound');
    const accept = await rejection(client.acceptSession('missing', 's'));
    assert.equal(accept.code, 'MessagingEntityNotFound');
    const peek = await rejection(client.createReceiver('missing').peekMessages(1));
    assert.equal(peek.code, 'MessagingEntityNotFound');
  });
});

test('a message without a session id is refused by a session queue, as the service refuses it', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, broker }) => {
    const error = await rejection(client.createSender('orders').sendMessages({ body: 1, messageId: 'no-session' }));
    assert.match(error.message, /InvalidOperation/);
    assert.match(error.message, /SessionId/);
    assert.equal(broker.queueStats('orders').active, 0);
    const plainReceiver = await rejection(client.createReceiver('orders').receiveMessages(1, { maxWaitTimeInMs: 200 }));
    assert.match(plainReceiver.message, /requires sessions/);
  });
});

test('garbage bytes, odd frames and unexpected links end only their own connection or link', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, broker }) => {
    for (const bytes of [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.concat([Buffer.from('AMQP\x00\x01\x00\x00'), Buffer.alloc(64, 0xff)]),
    ]) {
      const socket = connect(broker.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.end(bytes);
      socket.resume();
      await once(socket, 'close');
    }

    const container = rhea.create_container({ id: 'probe' });
    const connection = container.connect({ host: '127.0.0.1', port: broker.port, reconnect: false });
    const refusal = (
      open: () => {
        once(event: string, listener: (context: { sender?: { error?: unknown }; receiver?: { error?: unknown } }) => void): void;
      },
      event: string,
    ) => new Promise<unknown>((resolve) => open().once(event, (context) => resolve((context.sender ?? context.receiver)?.error)));
    const badTarget = await refusal(() => connection.open_sender({ target: { address: 'orders/$DeadLetterQueue' } }), 'sender_close');
    assert.deepEqual((badTarget as { condition: string }).condition, 'amqp:not-allowed');
    const badSource = await refusal(() => connection.open_receiver({ source: { address: 'no/such/thing' } }), 'receiver_close');
    assert.deepEqual((badSource as { condition: string }).condition, 'amqp:not-found');
    const closed = once(connection, 'connection_close');
    connection.close();
    await closed;

    await client.createSender('orders').sendMessages({ body: 'still fine', sessionId: 's', messageId: 'ok' });
    const receiver = await client.acceptSession('orders', 's');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(message!.body, 'still fine');
  });
});

test("a detach that arrives after its session ended is dropped; the client's other links go on", async () => {
  const lines: string[] = [];
  const broker = await startDevBroker({ queues: [{ name: 'plain', requiresSession: false }], log: (line) => lines.push(line) });
  const container = rhea.create_container({ id: 'late-detach' });
  const connection = container.connect({ host: '127.0.0.1', port: broker.port, reconnect: false });
  try {
    // One link on a session of its own, as the SDK opens every receiver; another on a second session.
    const ended = connection.create_session();
    ended.begin();
    const doomed = ended.open_receiver({ source: { address: 'plain' }, credit_window: 0 });
    await once(doomed, 'receiver_open');
    const survivor = connection.open_receiver({ source: { address: 'plain' }, credit_window: 0 });
    await once(survivor, 'receiver_open');
    // The session ends, then its link's detach still goes out (what the SDK does when it closes a receiver
    // whose accept was still waiting): written as rhea would have written it before the end.
    const channel = (ended as unknown as { local: { channel: number } }).local.channel;
    const detach = (doomed as unknown as { local: { detach: unknown } }).local.detach;
    ended.close();
    await once(ended, 'session_close');
    const dropped = once(connection, 'disconnected').then(() => Promise.reject(new Error('the broker dropped the whole connection')));
    dropped.catch(() => undefined);
    (connection as unknown as { _write_frame(channel: number, frame: unknown): void })._write_frame(channel, detach);

    // The connection is still up: the other link takes a message.
    await sendTo(broker.connectionString, 'plain', 'still-here');
    survivor.add_credit(1);
    const [context] = (await Promise.race([once(survivor, 'message'), dropped])) as [{ message: { message_id: unknown } }];
    assert.equal(context.message.message_id, 'still-here');
    assert.ok(
      lines.some((line) => /ignored a detach on channel \d+, whose session has ended/.test(line)),
      lines.join('\n'),
    );
  } finally {
    connection.close();
    await broker.close();
  }
});

async function sendTo(connectionString: string, queue: string, messageId: string): Promise<void> {
  const client = new ServiceBusClient(connectionString);
  try {
    await client.createSender(queue).sendMessages({ body: 'x', messageId });
  } finally {
    await client.close();
  }
}
