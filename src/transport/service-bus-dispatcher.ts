import { getMaxListeners, setMaxListeners } from 'node:events';
import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { Telemetry } from '../telemetry/telemetry.js';
import { DispatchError, type DispatchFailure, type Dispatcher } from './dispatcher.js';
import type { OutgoingMessage } from './outgoing-message.js';
import { describeSendError, sendWithRetry, type Backoff } from './send-with-retry.js';
import { toServiceBusMessage } from './to-service-bus-message.js';

/** Abort listeners one send may hold on the budget at once (link open, send, retry pause), with a margin. */
const LISTENERS_PER_SEND = 4;

export interface ServiceBusDispatcherOptions {
  client: ServiceBusClient;
  telemetry: Telemetry;
  backoff?: Backoff;
}

/**
 * Sends each routed envelope to its bot's queue, all queues in parallel, through one cached
 * sender per queue (a sender is an AMQP link: opening one per request would add a round trip
 * or two to every webhook). The client belongs to the caller.
 */
export function createServiceBusDispatcher({ client, telemetry, backoff }: ServiceBusDispatcherOptions): Dispatcher {
  const senders = new Map<string, ServiceBusSender>();
  const senderFor = (queue: string): ServiceBusSender => {
    let sender = senders.get(queue);
    if (sender === undefined || sender.isClosed) {
      sender = client.createSender(queue);
      senders.set(queue, sender);
    }
    return sender;
  };

  const sendOne = async (message: OutgoingMessage, signal: AbortSignal): Promise<void> => {
    const started = performance.now();
    const serviceBusMessage = toServiceBusMessage(message);
    const attempts = await sendWithRetry(
      (attemptSignal) => senderFor(message.queue).sendMessages(serviceBusMessage, { abortSignal: attemptSignal }),
      signal,
      backoff,
    );
    telemetry.trackMetric('WebhookSendLatencyMs', performance.now() - started, { bot: message.bot, queue: message.queue, attempts });
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
