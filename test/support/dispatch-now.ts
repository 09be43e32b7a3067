import type { Dispatcher } from '../../src/transport/dispatcher.js';
import type { OutgoingMessage } from '../../src/transport/outgoing-message.js';

/** Reserves and dispatches in one go, as a webhook whose envelope is ready at once; the messages share the first one's envelope. */
export function dispatchNow(dispatcher: Dispatcher, messages: readonly OutgoingMessage[], signal: AbortSignal): Promise<void> {
  return dispatcher.reserve(messages).dispatch(messages[0]!.envelope, signal);
}
