import { getMaxListeners, setMaxListeners } from 'node:events';
import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { Telemetry } from '../telemetry/telemetry.js';
import { DispatchError, type DispatchFailure, type Dispatcher } from './dispatcher.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { describeSendError, sendWithRetry, type Backoff } from './send-with-retry.js';
import { createSessionOrder, type SessionOrder, type SessionTicket } from './session-order.js';
import { toServiceBusMessage } from './to-service-bus-message.js';

/** Abort listeners one send may hold on the budget at once (link open, send, retry pause), with a margin. */
const LISTENERS_PER_SEND = 4;

export interface ServiceBusDispatcherOptions {
  client: ServiceBusClient;
  telemetry: Telemetry;
  backoff?: Backoff;
  /** Which sends are in line per session; one per process (the default), passed in by tests to look inside. */
  sessionOrder?: SessionOrder;
}

/**
 * Sends each routed envelope to its bot's queue, all queues in parallel, through one cached
 * sender per queue (a sender is an AMQP link: opening one per request would add a round trip
 * or two to every webhook). The client belongs to the caller.
 *
 * Arrival order per session: a webhook reserves its places when its routes are known; a send to
 * a (queue, session) waits until every earlier reservation for it from this process has been
 * sent to the end or released, so neither a claim-checked event still being written to Blob
 * storage nor a send that is being retried can be overtaken by the next event of its pull
 * request. Other sessions and queues are not held up; unordered messages (a session of their
 * own) never reserve and never wait.
 */
export function createServiceBusDispatcher({
  client,
  telemetry,
  backoff,
  sessionOrder = createSessionOrder(),
}: ServiceBusDispatcherOptions): Dispatcher {
  const senders = new Map<string, ServiceBusSender>();
  const senderFor = (queue: string): ServiceBusSender => {
    let sender = senders.get(queue);
    if (sender === undefined || sender.isClosed) {
      sender = client.createSender(queue);
      senders.set(queue, sender);
    }
    return sender;
  };

  const send = async (message: OutgoingMessage, signal: AbortSignal): Promise<void> => {
    const started = performance.now();
    const serviceBusMessage = toServiceBusMessage(message);
    const attempts = await sendWithRetry(
      (attemptSignal) => senderFor(message.queue).sendMessages(serviceBusMessage, { abortSignal: attemptSignal }),
      signal,
      backoff,
    );
    telemetry.trackMetric('WebhookSendLatencyMs', performance.now() - started, { bot: message.bot, queue: message.queue, attempts });
  };

  // The wait spends the message's own budget: if it runs out before the earlier event is done,
  // this send fails without being sent, like any send failure: the webhook answers 503 and the
  // event is redelivered from GitHub.
  const sendInPlace = (message: OutgoingMessage, ticket: SessionTicket | null, signal: AbortSignal): Promise<void> => {
    if (ticket === null) return send(message, signal);
    const dispatchedAt = performance.now();
    return ticket.run(signal, (waited) => {
      if (waited)
        telemetry.trackMetric('WebhookSendOrderWaitMs', performance.now() - dispatchedAt, { bot: message.bot, queue: message.queue });
      return send(message, signal);
    });
  };

  return {
    reserve(routes) {
      // All of a webhook's places are taken at once, so two webhooks are in the same order in
      // every line they share and can never wait on each other in a circle.
      const tickets = routes.map((route) => (route.ordered ? sessionOrder.reserve(JSON.stringify([route.queue, route.sessionId])) : null));
      let dispatched = false;
      return {
        async dispatch(envelope, signal) {
          if (dispatched) throw new Error('a reservation is dispatched once');
          dispatched = true;
          // Every parallel send listens to the one budget (the SDK's link open and send, the retry
          // pause): a webhook fanned out to many bots must not be reported as a listener leak.
          setMaxListeners(Math.max(getMaxListeners(signal), 10 + LISTENERS_PER_SEND * routes.length), signal);
          const outcomes = await Promise.allSettled(
            routes.map((route, index) => sendInPlace({ ...route, envelope }, tickets[index]!, signal)),
          );
          const failures: DispatchFailure[] = [];
          outcomes.forEach((outcome, index) => {
            if (outcome.status === 'rejected') {
              const { bot, queue } = routes[index]!;
              failures.push({ bot, queue, reason: describeSendError(outcome.reason) });
            }
          });
          if (failures.length > 0) throw new DispatchError(failures);
        },
        release() {
          for (const ticket of tickets) ticket?.release();
        },
      };
    },
    async close() {
      const open = [...senders.values()];
      senders.clear();
      await Promise.allSettled(open.map((sender) => sender.close()));
    },
  };
}
