import type { Delivery, Sender } from 'rhea';
import {
  BrokerError,
  amqpText,
  LINK_TIMEOUT,
  LOCKED_UNTIL_UTC,
  SESSION_FILTER,
  dotnetTicks,
  echoSettleModes,
  holdAttachReply,
  refuseLink,
  setAttachReply,
  terminus,
} from './amqp-encoding.js';
import type { Consumer, DevQueue, StoredMessage, SubQueue } from './dev-queue.js';
import { outgoingMessage } from './outgoing-message.js';

/** A link on which an SDK receiver takes messages from a queue (the broker's end is a sender). */
export class LinkConsumer implements Consumer {
  constructor(
    readonly link: Sender,
    readonly queue: DevQueue,
    readonly subQueue: SubQueue,
    readonly sessionId: string | undefined,
    readonly receiveAndDelete: boolean,
  ) {}

  /** Deliveries handed to rhea that it has not yet transferred (it spends link credit only when it writes). */
  private unsent: Delivery[] = [];

  credit(): number {
    if (!this.link.is_open() || !this.link.sendable()) return 0;
    const internals = this.link as unknown as { credit: number; session: { outgoing: { next_pending_delivery: number } } };
    const nextToWrite = internals.session.outgoing.next_pending_delivery;
    this.unsent = this.unsent.filter((delivery) => delivery.id >= nextToWrite);
    return Math.max(0, internals.credit - this.unsent.length);
  }

  deliver(stored: StoredMessage, tag: Buffer, lockedUntil: number): void {
    this.unsent.push(this.link.send(outgoingMessage(stored, lockedUntil), tag));
  }

  terminate(condition: string, description: string): void {
    if (this.link.is_open()) this.link.close({ condition, description });
  }
}

/** The longest the service lets an accept-next-session attach wait. */
const MAX_SESSION_WAIT_MS = 65_000;

interface TerminusFields {
  address?: string;
  filter?: Record<string, unknown>;
}

/**
 * Answers an SDK receiver's attach: a plain receiver, a named session (acceptSession) or the next free session
 * (acceptNextSession, which may wait up to the client's `com.microsoft:timeout`). Returns a cleanup for when
 * the link or its connection goes away.
 */
export function openConsumerLink(
  link: Sender,
  queue: DevQueue,
  subQueue: SubQueue,
  onConsumer: (consumer: LinkConsumer) => void,
): () => void {
  const source = (link.source ?? {}) as TerminusFields;
  const filter = source.filter ?? undefined;
  const wantsSession = filter !== undefined && filter !== null && SESSION_FILTER in filter;
  const receiveAndDelete = link.snd_settle_mode === 1;
  echoSettleModes(link);
  link.set_target(terminus((link.target as TerminusFields | undefined)?.address));

  const isSessionQueue = queue.settings.requiresSession && subQueue === 'active';
  if (wantsSession !== isSessionQueue) {
    refuseLink(link, {
      condition: 'amqp:not-allowed',
      description: isSessionQueue
        ? `It is not possible for an entity that requires sessions to create a non-sessionful message receiver (queue '${queue.name}').`
        : `The entity '${queue.name}' does not support sessions; a session receiver cannot be created on it.`,
    });
    return () => undefined;
  }

  let consumer: LinkConsumer | undefined;
  const claim = (sessionId: string, lockedUntil: number): LinkConsumer => {
    consumer = new LinkConsumer(link, queue, subQueue, sessionId, receiveAndDelete);
    link.set_source(terminus(source.address, { [SESSION_FILTER]: sessionId }));
    setAttachReply(link, { properties: { [LOCKED_UNTIL_UTC]: dotnetTicks(lockedUntil) } });
    link.open();
    onConsumer(consumer);
    return consumer;
  };
  const release = () => {
    if (consumer) queue.detach(consumer);
  };

  if (!isSessionQueue) {
    link.set_source(terminus(source.address));
    consumer = new LinkConsumer(link, queue, subQueue, undefined, receiveAndDelete);
    onConsumer(consumer);
    queue.attach(consumer);
    return release;
  }

  const requested = filter?.[SESSION_FILTER];
  if (requested !== undefined && requested !== null) {
    const sessionId = amqpText(requested, SESSION_FILTER);
    try {
      queue.lockSession(sessionId, { claim });
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      refuseLink(link, error.toAmqp());
    }
    return release;
  }

  holdAttachReply(link);
  const requestedWait = Number((link.properties as Record<string, unknown> | undefined)?.[LINK_TIMEOUT] ?? MAX_SESSION_WAIT_MS);
  const waitMs = Math.min(Number.isFinite(requestedWait) && requestedWait > 0 ? requestedWait : MAX_SESSION_WAIT_MS, MAX_SESSION_WAIT_MS);
  let timer: NodeJS.Timeout | undefined;
  let waiting = true;
  const noSession = (why: string) => {
    waiting = false;
    refuseLink(link, {
      condition: 'com.microsoft:timeout',
      description: `No session with available messages on queue '${queue.name}' ${why}.`,
    });
  };
  const cancel = queue.lockNextSession({
    claim: (sessionId, lockedUntil) => {
      waiting = false;
      clearTimeout(timer);
      return claim(sessionId, lockedUntil);
    },
  });
  if (!consumer) {
    timer = setTimeout(() => {
      cancel();
      noSession(`within ${waitMs} ms`);
    }, waitMs);
  }
  return () => {
    clearTimeout(timer);
    cancel();
    release();
    // A peer that closes its connection while its attach still waits gets the answer now. The
    // SDK does not abort a waiting acceptNextSession (its abortSignal stops at rhea-promise,
    // whose attach timer, the 60 s operation timeout, then keeps the client's process alive
    // after client.close()). Not when the link is closed already: detached or the socket gone.
    if (waiting && !link.is_closed()) noSession('before the connection closed');
  };
}
