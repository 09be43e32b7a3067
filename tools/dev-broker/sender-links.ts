import type { EventContext } from 'rhea';
import { decodeTransfer, toAmqpError } from './amqp-encoding.js';
import type { DevQueue } from './dev-queue.js';

/** One transfer from an SDK sender (single message or batch): enqueued whole and accepted, or rejected with the service's error. */
export function receiveTransfer(queue: DevQueue, context: EventContext, log: (line: string) => void): void {
  const delivery = context.delivery!;
  try {
    const format = (context as { format?: number }).format;
    const messages = decodeTransfer(context.message as never, format);
    queue.enqueue(messages);
    delivery.accept();
  } catch (error) {
    const amqpError = toAmqpError(error);
    log(`${queue.name}: send refused: ${amqpError.description ?? amqpError.condition}`);
    delivery.reject(amqpError);
  }
}
