import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import rhea, { type Connection, type EventContext, type Message, type Receiver, type Sender } from 'rhea';
import { BrokerError, MANAGEMENT_SUFFIX, echoSettleModes, refuseLink, setAttachReply, terminus, toAmqpError } from './amqp-encoding.js';
import type { DevQueue, DevQueueOptions, QueueStats, SubQueue } from './dev-queue.js';
import { QueueRegistry } from './queue-registry.js';
import { openConsumerLink, type LinkConsumer } from './receiver-links.js';
import { ReplyRoutes, answerManagementRequest, answerPutToken } from './request-response.js';
import { receiveTransfer } from './sender-links.js';
import { offerServiceBusSaslMechanisms } from './sasl-mechanisms.js';
import { settleDelivery } from './settlement.js';
import { guardSocket } from './socket-guards.js';
import { tolerateLateDetach } from './tolerate-late-frames.js';

export type { DevQueueOptions, QueueStats } from './dev-queue.js';

export interface DevBrokerOptions {
  /** 0 = any free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  queues?: DevQueueOptions[];
  log?: (line: string) => void;
  /** injectable clock for timestamps and lock checks */
  now?: () => number;
}

export interface RunningDevBroker {
  port: number;
  /** the official emulator's format, so the two can be swapped */
  connectionString: string;
  createQueue(options: DevQueueOptions): void;
  queueNames(): string[];
  queueStats(name: string): QueueStats;
  close(): Promise<void>;
}

type ReceiverRole = { kind: 'cbs' } | { kind: 'management'; queue: DevQueue; subQueue: SubQueue } | { kind: 'queue'; queue: DevQueue };

interface Terminus {
  address?: string;
}

/** A Service Bus-speaking AMQP broker for development and tests, driven by the unmodified @azure/service-bus SDK. */
export async function startDevBroker(options: DevBrokerOptions = {}): Promise<RunningDevBroker> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const queues = new QueueRegistry(now, log);
  for (const queue of options.queues ?? []) queues.create(queue);

  // tcp_no_delay: rhea's server side leaves Nagle on, which costs ~40 ms on every request/response round trip.
  const container = rhea.create_container({
    id: 'session-router-dev-broker',
    treat_modified_as_released: false,
    autoaccept: false,
    tcp_no_delay: true,
  });
  offerServiceBusSaslMechanisms(container);
  const receiverRoles = new WeakMap<Receiver, ReceiverRole>();
  const consumers = new WeakMap<Sender, LinkConsumer>();
  const linkCleanups = new Map<Sender, () => void>();
  const replies = new ReplyRoutes();
  const connections = new Set<Connection>();

  const cleanUp = (matches: (link: Sender) => boolean) => {
    for (const [link, cleanup] of [...linkCleanups]) {
      if (!matches(link)) continue;
      linkCleanups.delete(link);
      cleanup();
    }
  };

  /** A bug in a handler ends that link, never the broker. */
  const guard =
    (name: string, handler: (context: EventContext) => void) =>
    (context: EventContext): void => {
      try {
        handler(context);
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
        const link = context.sender ?? context.receiver;
        if (link?.is_open()) link.close(toAmqpError(error));
      }
    };

  const reply = (connection: Connection, request: Message, response: Message) => {
    if (!replies.send(connection, request.reply_to, response)) log(`no reply link "${String(request.reply_to)}" for a request`);
  };

  const openSockets = new WeakSet<Socket>();
  container.on('connection_open', (context: EventContext) => {
    connections.add(context.connection);
    tolerateLateDetach(context.connection, log);
    const socket = (context.connection as unknown as { socket?: Socket }).socket;
    if (socket) openSockets.add(socket);
  });

  container.on(
    'receiver_open',
    guard('attach of a sending link', (context) => {
      const link = context.receiver!;
      const address = (link.target as Terminus | undefined)?.address;
      link.set_target(terminus(address));
      echoSettleModes(link);
      if (address === '$cbs') {
        receiverRoles.set(link, { kind: 'cbs' });
        return;
      }
      const management = address?.endsWith(MANAGEMENT_SUFFIX);
      const entity = queues.resolve(address);
      if (entity instanceof BrokerError) return refuseLink(link, entity.toAmqp());
      if (management) {
        receiverRoles.set(link, { kind: 'management', ...entity });
      } else if (entity.subQueue === 'deadLetter') {
        refuseLink(link, {
          condition: 'amqp:not-allowed',
          description: `Messages cannot be sent to the dead-letter queue of '${entity.queue.name}'.`,
        });
      } else {
        receiverRoles.set(link, { kind: 'queue', queue: entity.queue });
        setAttachReply(link, { max_message_size: entity.queue.settings.maxMessageSizeBytes });
      }
    }),
  );

  container.on(
    'sender_open',
    guard('attach of a receiving link', (context) => {
      const link = context.sender!;
      const address = (link.source as Terminus | undefined)?.address;
      if (address === '$cbs' || address?.endsWith(MANAGEMENT_SUFFIX)) {
        const target = (link.target as Terminus | undefined)?.address;
        link.set_source(terminus(address));
        link.set_target(terminus(target));
        echoSettleModes(link);
        replies.add(context.connection, link, target);
        return;
      }
      const entity = queues.resolve(address);
      if (entity instanceof BrokerError) return refuseLink(link, entity.toAmqp());
      const cleanup = openConsumerLink(link, entity.queue, entity.subQueue, (consumer) => consumers.set(link, consumer));
      linkCleanups.set(link, cleanup);
    }),
  );

  container.on(
    'message',
    guard('transfer', (context) => {
      const role = receiverRoles.get(context.receiver!);
      const request = context.message!;
      const delivery = context.delivery!;
      if (role?.kind === 'queue') return receiveTransfer(role.queue, context, log);
      delivery.accept();
      if (role?.kind === 'cbs') reply(context.connection, request, answerPutToken(queues, request));
      else if (role?.kind === 'management') reply(context.connection, request, answerManagementRequest(role, request));
    }),
  );

  const onConsumer = (name: string, handler: (consumer: LinkConsumer, context: EventContext) => void) =>
    container.on(
      name,
      guard(name, (context) => {
        const consumer = context.sender && consumers.get(context.sender);
        if (consumer) handler(consumer, context);
      }),
    );
  onConsumer('sendable', (consumer) => consumer.queue.pump());
  onConsumer('sender_draining', (consumer, context) => {
    consumer.queue.pump();
    context.sender!.set_drained(true);
  });
  for (const outcome of ['accepted', 'released', 'modified', 'rejected'] as const) {
    onConsumer(outcome, (consumer, context) => settleDelivery(consumer, context.delivery!, outcome, log));
  }

  container.on('sender_close', (context: EventContext) => cleanUp((link) => link === context.sender));
  container.on('session_close', (context: EventContext) => cleanUp((link) => link.session === context.session));
  const connectionGone = (context: EventContext) => {
    connections.delete(context.connection);
    cleanUp((link) => link.connection === context.connection);
  };
  container.on('connection_close', connectionGone);
  container.on('disconnected', connectionGone);
  container.on('error', (error: unknown) => log(`AMQP error: ${error instanceof Error ? error.message : String(error)}`));
  container.on('protocol_error', (error: unknown) => log(`AMQP protocol error: ${String(error)}`));

  const sockets = new Set<Socket>();
  const server = container.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    guardSocket(socket, () => openSockets.has(socket));
    socket.on('close', () => sockets.delete(socket));
  });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const port = (server.address() as AddressInfo).port;
  log(`development Service Bus broker listening on ${options.host ?? '127.0.0.1'}:${port}`);

  return {
    port,
    connectionString: `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
    createQueue: (queueOptions) => queues.create(queueOptions),
    queueNames: () => queues.all().map((q) => q.name),
    queueStats: (name) => queues.named(name).stats(),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cleanUp(() => true);
      for (const queue of queues.all()) queue.close();
      for (const connection of connections)
        connection.close({ condition: 'amqp:connection:forced', description: 'The development broker is shutting down.' });
      // Peers that answer the close end their sockets; the rest are cut after a moment.
      const socketsClosed = Promise.all([...sockets].map((socket) => once(socket, 'close')));
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([socketsClosed, new Promise((resolve) => (grace = setTimeout(resolve, 500)))]);
      clearTimeout(grace);
      for (const connection of connections) abortConnection(connection);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** rhea's own abort: ends the socket and clears the connection's heartbeat timers. */
function abortConnection(connection: Connection): void {
  const internals = connection as unknown as { socket?: Socket; abort_socket?: (socket: Socket) => void };
  if (internals.socket && internals.abort_socket) internals.abort_socket(internals.socket);
}
