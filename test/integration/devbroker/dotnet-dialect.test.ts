import assert from 'node:assert/strict';
import { test } from 'node:test';
import rhea, { type Connection, type ConnectionOptions, type Receiver, type Sender } from 'rhea';
import { startDevBroker } from '../../../tools/dev-broker/start-dev-broker.js';

// What the .NET SDK (Azure.Messaging.ServiceBus, inside the Functions host) needs from the broker, checked with a
// plain AMQP client so it is pinned even where dotnet is absent; dotnet-sdk.test.ts checks it with the SDK itself.

type OpenEvent = 'connection_open' | 'sender_open' | 'receiver_open';

/** Resolves on the open event, rejects on the peer's close or error. */
function opened<T extends Connection | Sender | Receiver>(endpoint: T, event: OpenEvent, failures: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    endpoint.once(event, () => resolve(endpoint));
    for (const failure of failures) {
      endpoint.once(failure, (context: { error?: unknown; connection?: Connection }) =>
        reject(new Error(`${failure}: ${JSON.stringify(context.error ?? context.connection?.error ?? 'no error')}`)),
      );
    }
  });
}

/** The client side of SASL MSSBCBS, as Microsoft.Azure.Amqp sends it: an empty initial response. */
const mssbcbsOnly = {
  MSSBCBS: () => ({ start: (callback: (error: unknown, response: Buffer) => void) => callback(undefined, Buffer.alloc(0)) }),
};

async function withMssbcbsConnection(run: (connection: Connection) => Promise<void>): Promise<void> {
  const broker = await startDevBroker({ queues: [{ name: 'orders' }] });
  const options = { host: '127.0.0.1', port: broker.port, reconnect: false, sasl_mechanisms: mssbcbsOnly } as ConnectionOptions;
  const connection = rhea.create_container({ id: 'dotnet-dialect-test' }).connect(options);
  try {
    await opened(connection, 'connection_open', ['connection_error', 'disconnected']);
    await run(connection);
  } finally {
    connection.close();
    await broker.close();
  }
}

test('a client offering only SASL MSSBCBS (the .NET SDK) gets its connection', { timeout: 10_000 }, async () => {
  await withMssbcbsConnection(async (connection) => {
    assert.equal(connection.is_open(), true);
  });
});

test("the broker answers pre-settled $cbs and $management links with the client's settle modes", { timeout: 10_000 }, async () => {
  await withMssbcbsConnection(async (connection) => {
    // Each link's open is awaited from the moment it is created: the replies arrive together.
    const sender = (address: string) => {
      const link = connection.open_sender({ target: { address }, snd_settle_mode: 1 });
      return opened(link, 'sender_open', ['sender_error']);
    };
    const receiver = (address: string, replyTo: string) => {
      const link = connection.open_receiver({ source: { address }, target: { address: replyTo }, snd_settle_mode: 1 });
      return opened(link, 'receiver_open', ['receiver_error']);
    };
    const links: [string, Promise<Sender | Receiver>][] = [
      ['$cbs sender', sender('$cbs')],
      ['$cbs receiver', receiver('$cbs', 'cbs-replies')],
      ['$management sender', sender('/orders/$management')],
      ['$management receiver', receiver('/orders/$management', 'management-replies')],
    ];
    for (const [name, opening] of links) {
      const link = await opening;
      // rhea's snd_settle_mode on a link is the peer's (the broker's) attach.
      assert.equal(link.snd_settle_mode, 1, `${name}: snd-settle-mode "settled" echoed`);
    }
  });
});

test('links to "/<queue>" (the .NET SDK\'s absolute addresses) reach the queue', { timeout: 10_000 }, async () => {
  await withMssbcbsConnection(async (connection) => {
    const sender = connection.open_sender({ target: { address: '/orders' } });
    await opened(sender, 'sender_open', ['sender_error']);
    // A refused link is answered with an attach without terminus, then a detach.
    assert.equal((sender.target as { address?: string } | null)?.address, '/orders');
    const closed = new Promise<string>((resolve) => sender.once('sender_close', () => resolve('closed')));
    const stillOpen = new Promise<string>((resolve) => setImmediate(() => setImmediate(() => resolve('open'))));
    assert.equal(await Promise.race([closed, stillOpen]), 'open');
  });
});
