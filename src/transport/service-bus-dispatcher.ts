import { getMaxListeners, setMaxListeners } from 'node:events';
import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { Telemetry } from '../telemetry/telemetry.js';
import { DispatchError, type DispatchFailure, type Dispatcher } from './dispatcher.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { describeSendError, sendWithRetry, type Backoff } from './send-with-retry.js';
import { createSessionOrder, type SessionOrder } from './session-order.js';
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
 * Arrival order per session: a send to a (queue, session) waits until every earlier send to it
 * from this process has settled, so a send that is being retried cannot be overtaken by the
 * next event of its pull request. Other sessions and queues are not held up; unordered messages
 * (a session of their own) never wait.
 */
export function createServiceBusDispatcher({ client, telemetry, backoff, sessionOrder = createSessionOrder() }: ServiceBusDispatcherOptions): Dispatcher {
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

  // Takes the message's place in its session's line synchronously, i.e. in the order dispatch was
  // called. The wait spends the message's own budget: if it runs out before the earlier send
  // settles, this send fails without being sent, like any send failure: the webhook answers 503
  // and the event is redelivered from GitHub.
  const sendOne = (message: OutgoingMessage, signal: AbortSignal): Promise<void> => {
    if (!message.ordered) return send(message, signal);
    const queuedAt = performance.now();
    return sessionOrder.run(JSON.stringify([message.queue, message.sessionId]), signal, (waited) => {
      if (waited) telemetry.trackMetric('WebhookSendOrderWaitMs', performance.now() - queuedAt, { bot: message.bot, queue: message.queue });
      return send(message, signal);
    });
  };

  return {
    async dispatch(messages, signal) {
      // Every parallel send listens to the one budget (the SDK's link open and send, the retry
      // pause): a webhook fanned out to many bots must not be reported as a listener leak.
      setMaxListeners(Math.max(getMaxListeners(signal), 10 + LISTENERS_PER_SEND * messages.length), signal);
      const outcomes = await Promise.allSettled(messages.map((message) => sendOne(message, signal)));
      const failures: DispatchFailure[] = [];
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'rejected') {
          const { bot, queue } = messages[index]!;
          failures.push({ bot, queue, reason: describeSendError(outcome.reason) });
        }
      });
      if (failures.length > 0) throw new DispatchError(failures);
    },
    async close() {
      const open = [...senders.values()];
      senders.clear();
      await Promise.allSettled(open.map((sender) => sender.close()));
    },
  };
}
