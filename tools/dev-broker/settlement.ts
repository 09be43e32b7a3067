import type { AmqpError, Delivery } from 'rhea';
import { BrokerError, amqpText, outcomeState, toAmqpError } from './amqp-encoding.js';
import type { Settlement } from './dev-queue.js';
import type { LinkConsumer } from './receiver-links.js';

interface RemoteOutcome {
  undeliverable_here?: boolean;
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
}

/** What an SDK settlement means, from the outcome it sent (see notes/servicebus-amqp.md "Settlement"). */
export function settlementFromOutcome(
  kind: 'accepted' | 'modified' | 'released' | 'rejected',
  outcome: RemoteOutcome | undefined,
): Settlement {
  switch (kind) {
    case 'accepted':
      return { kind: 'complete' };
    case 'released':
      return { kind: 'abandon' };
    case 'modified':
      if (outcome?.undeliverable_here) {
        throw new BrokerError('amqp:not-implemented', 'Deferring messages is not supported by the development broker.');
      }
      return { kind: 'abandon' };
    case 'rejected': {
      const info = outcome?.error?.info ?? {};
      const text = (value: unknown, field: string) => (value === undefined || value === null ? undefined : amqpText(value, field));
      return {
        kind: 'deadLetter',
        reason: text(info.DeadLetterReason, 'DeadLetterReason'),
        description: text(info.DeadLetterErrorDescription, 'DeadLetterErrorDescription'),
      };
    }
  }
}

/** Applies the SDK's outcome and answers with a settled disposition: accepted, or rejected carrying the error. */
export function settleDelivery(
  consumer: LinkConsumer,
  delivery: Delivery,
  kind: 'accepted' | 'modified' | 'released' | 'rejected',
  log: (line: string) => void,
): void {
  let refusal: AmqpError | undefined;
  try {
    const tag = typeof delivery.tag === 'string' ? Buffer.from(delivery.tag) : delivery.tag;
    consumer.queue.settle(tag.toString('hex'), settlementFromOutcome(kind, delivery.remote_state), consumer);
  } catch (error) {
    log(`${consumer.queue.name}: settlement refused: ${error instanceof Error ? error.message : String(error)}`);
    refusal = toAmqpError(error);
  }
  delivery.update(true, outcomeState(refusal));
  // The SDK never settles after the broker did (rcv-settle-mode second); without this rhea keeps every
  // delivery in the session's 2048-slot window and the link stalls.
  (delivery as { remote_settled: boolean }).remote_settled = true;
}
