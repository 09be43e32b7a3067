import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';

/**
 * How long a batch receive keeps collecting once its first message is in: the .NET SDK's
 * `ServiceBusReceiver.ReceiveMessagesAsync`, which the Functions host's batch loop calls, asks its AMQP
 * link for up to `maxMessages` with a 20 ms batch wait (`BeginReceiveRemoteMessages(maxMessages,
 * TimeSpan.FromMilliseconds(20), timeout, …)` in Azure/azure-sdk-for-net
 * sdk/servicebus/Azure.Messaging.ServiceBus/src/Amqp/AmqpReceiver.cs). @azure/service-bus instead waits
 * up to 1 s (or what is left of the wait) after the first message, which would hold every partial
 * batch back; so the local host receives the first message, then the rest with this short wait.
 */
export const BATCH_FILL_WAIT_MS = 20;

/**
 * The receiver's link closed during the receive: @azure/service-bus closes it when the broker does not
 * answer the drain that ends a partial receive within 200 ms (`tryDrainReceiver`, seen under CPU
 * contention). The messages it returned can no longer be settled (for a session: the session is gone),
 * so they must not run: they are delivered again to the next receiver.
 */
export class ReceiverClosedWhileReceiving extends Error {
  constructor(count: number) {
    super(
      `the receiver closed while receiving a batch (a drain the broker did not answer in time); ${count} message(s) received are left for redelivery`,
    );
    this.name = 'ReceiverClosedWhileReceiving';
  }
}

/**
 * Receives up to `maxMessages` as the host's batch trigger does: waits up to `firstWaitMs` for a first
 * message (none: an empty array), then takes what else is available at once, in order, without waiting
 * to fill the batch (the host's `minMessageBatchSize` is 1 unless host.json sets it; this host does not
 * read it). https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
 */
export async function receiveBatch(
  receiver: Pick<ServiceBusReceiver, 'receiveMessages' | 'isClosed'>,
  maxMessages: number,
  firstWaitMs: number,
  abortSignal: AbortSignal,
): Promise<ServiceBusReceivedMessage[]> {
  const first = await receiver.receiveMessages(1, { maxWaitTimeInMs: firstWaitMs, abortSignal });
  if (first.length === 0 || maxMessages === 1) return first;
  const rest = await receiver.receiveMessages(maxMessages - 1, { maxWaitTimeInMs: BATCH_FILL_WAIT_MS, abortSignal });
  if (receiver.isClosed && !abortSignal.aborted) throw new ReceiverClosedWhileReceiving(first.length + rest.length);
  return [...first, ...rest];
}
