import { randomBytes, randomUUID } from 'node:crypto';
import type { Message } from 'rhea';
import { BrokerError } from './amqp-encoding.js';

export interface DevQueueOptions {
  name: string;
  /** default true: every bot queue is session-enabled */
  requiresSession?: boolean;
  maxDeliveryCount?: number;
  lockDurationMs?: number;
  requiresDuplicateDetection?: boolean;
  duplicateDetectionWindowMs?: number;
  /** 256 KB, like the Standard tier */
  maxMessageSizeBytes?: number;
}

export type QueueSettings = Required<DevQueueOptions>;

export function queueSettings(options: DevQueueOptions): QueueSettings {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/.test(options.name)) {
    throw new Error(`Queue name "${options.name}" must be letters, digits, ".", "_" or "-"`);
  }
  return {
    name: options.name,
    requiresSession: options.requiresSession ?? true,
    maxDeliveryCount: options.maxDeliveryCount ?? 10,
    lockDurationMs: options.lockDurationMs ?? 60_000,
    requiresDuplicateDetection: options.requiresDuplicateDetection ?? true,
    duplicateDetectionWindowMs: options.duplicateDetectionWindowMs ?? 600_000,
    maxMessageSizeBytes: options.maxMessageSizeBytes ?? 262_144,
  };
}

export type SubQueue = 'active' | 'deadLetter';

export interface StoredMessage {
  sequenceNumber: number;
  message: Message;
  sessionId: string | undefined;
  enqueuedAt: number;
  /** earlier deliveries whose lock ended without a settlement */
  deliveryCount: number;
  deadLetterSource?: string;
  lock?: MessageLock;
}

interface MessageLock {
  tag: Buffer;
  consumer: Consumer;
  lockedUntil: number;
  timer?: NodeJS.Timeout;
}

/** A receiver link as the queue sees it. */
export interface Consumer {
  readonly subQueue: SubQueue;
  /** the session it holds; undefined for a plain receiver */
  readonly sessionId: string | undefined;
  readonly receiveAndDelete: boolean;
  credit(): number;
  deliver(message: StoredMessage, tag: Buffer, lockedUntil: number): void;
  /** The broker ends the link (session lock lost). */
  terminate(condition: string, description: string): void;
}

interface SessionLock {
  consumer: Consumer;
  lockedUntil: number;
  timer: NodeJS.Timeout;
}

interface SessionWaiter {
  claim(sessionId: string, lockedUntil: number): Consumer;
}

export type Settlement = { kind: 'complete' } | { kind: 'abandon' } | { kind: 'deadLetter'; reason?: string; description?: string };

export interface QueueStats {
  active: number;
  deadLetter: number;
  locked: number;
  lockedSessions: string[];
  consumers: number;
}

/** One queue: FIFO per session, session and message locks, dead-letter sub-queue, duplicate detection. */
export class DevQueue {
  readonly settings: QueueSettings;
  private readonly active: StoredMessage[] = [];
  /**
   * The active messages of each session, in order: a session receiver finds its next message
   * here instead of scanning every message of the queue (pump runs on every settlement).
   */
  private readonly activeBySession = new Map<string, StoredMessage[]>();
  private readonly deadLetters: StoredMessage[] = [];
  private readonly sessionLocks = new Map<string, SessionLock>();
  private readonly sessionStates = new Map<string, Buffer>();
  private readonly consumers = new Set<Consumer>();
  private readonly waiters: SessionWaiter[] = [];
  private readonly lockedByTag = new Map<string, StoredMessage>();
  private readonly seenMessageIds = new Map<string, number>();
  private nextSequenceNumber = 1;

  constructor(
    options: DevQueueOptions,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.settings = queueSettings(options);
  }

  get name(): string {
    return this.settings.name;
  }

  /** Validates the whole transfer first, so a batch is enqueued entirely or not at all. Returns how many were new. */
  enqueue(messages: { message: Message; size: number }[]): number {
    const total = messages.reduce((sum, m) => sum + m.size, 0);
    if (total > this.settings.maxMessageSizeBytes) {
      throw new BrokerError(
        'amqp:link:message-size-exceeded',
        `The received message (size ${total} bytes) exceeds the limit (${this.settings.maxMessageSizeBytes} bytes) of queue '${this.name}'.`,
      );
    }
    for (const { message } of messages) {
      const sessionId = message.group_id;
      if (this.settings.requiresSession && (sessionId === undefined || sessionId === null)) {
        throw new BrokerError(
          'amqp:not-allowed',
          `The SessionId was not set on a message, and it cannot be sent to the entity '${this.name}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
        );
      }
      const at: unknown = message.message_annotations?.['x-opt-scheduled-enqueue-time'];
      if (at instanceof Date && at.getTime() > this.now()) {
        throw new BrokerError('amqp:not-implemented', 'Scheduled messages are not supported by the development broker.');
      }
    }
    const now = this.now();
    this.forgetOldMessageIds(now);
    let added = 0;
    for (const { message } of messages) {
      // The service gives every message an id; the SDK's lock renewal relies on it.
      if (message.message_id === undefined || message.message_id === null) message.message_id = randomUUID().replaceAll('-', '');
      const messageId = String(message.message_id);
      if (this.settings.requiresDuplicateDetection) {
        if (this.seenMessageIds.has(messageId)) {
          this.log(`${this.name}: dropped duplicate message ${messageId}`);
          continue;
        }
        this.seenMessageIds.set(messageId, now);
      }
      const stored: StoredMessage = {
        sequenceNumber: this.nextSequenceNumber++,
        message,
        sessionId: this.settings.requiresSession ? String(message.group_id) : undefined,
        enqueuedAt: now,
        deliveryCount: 0,
      };
      this.active.push(stored);
      if (stored.sessionId !== undefined) {
        const line = this.activeBySession.get(stored.sessionId);
        if (line) line.push(stored);
        else this.activeBySession.set(stored.sessionId, [stored]);
      }
      added++;
    }
    if (added > 0) {
      this.serveWaiters();
      this.pump();
    }
    return added;
  }

  private forgetOldMessageIds(now: number): void {
    for (const [id, at] of this.seenMessageIds) {
      if (now - at < this.settings.duplicateDetectionWindowMs) break;
      this.seenMessageIds.delete(id);
    }
  }

  /** Locks a named session for the consumer that `claim` creates; throws SessionCannotBeLocked when held. */
  lockSession(sessionId: string, waiter: SessionWaiter): void {
    this.expireSessionIfDue(sessionId);
    if (this.sessionLocks.has(sessionId)) {
      throw new BrokerError(
        'com.microsoft:session-cannot-be-locked',
        `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`,
      );
    }
    this.grantSession(sessionId, waiter);
  }

  /** Locks the next session with available messages, now or when one frees up; returns a cancel function. */
  lockNextSession(waiter: SessionWaiter): () => void {
    this.waiters.push(waiter);
    this.serveWaiters();
    return () => {
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    };
  }

  private grantSession(sessionId: string, waiter: SessionWaiter): void {
    const lockedUntil = this.now() + this.settings.lockDurationMs;
    const consumer = waiter.claim(sessionId, lockedUntil);
    this.sessionLocks.set(sessionId, { consumer, lockedUntil, timer: this.sessionTimer(sessionId) });
    this.consumers.add(consumer);
  }

  private sessionTimer(sessionId: string): NodeJS.Timeout {
    return setTimeout(() => this.expireSessionIfDue(sessionId), this.settings.lockDurationMs + 5);
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      for (const id of this.sessionLocks.keys()) this.expireSessionIfDue(id);
      const free = this.active.find((m) => m.sessionId !== undefined && !this.sessionLocks.has(m.sessionId));
      if (!free || free.sessionId === undefined) return;
      this.grantSession(free.sessionId, this.waiters.shift()!);
    }
  }

  renewSessionLock(sessionId: string, consumer?: Consumer): number {
    this.expireSessionIfDue(sessionId);
    const lock = this.sessionLocks.get(sessionId);
    if (!lock || (consumer && lock.consumer !== consumer)) {
      throw new BrokerError('com.microsoft:session-lock-lost', `The session lock has expired on the session with id ${sessionId}.`);
    }
    clearTimeout(lock.timer);
    lock.lockedUntil = this.now() + this.settings.lockDurationMs;
    lock.timer = this.sessionTimer(sessionId);
    return lock.lockedUntil;
  }

  /** Session state belongs to whoever holds the session, like the service's. */
  requireSessionLock(sessionId: string): void {
    this.expireSessionIfDue(sessionId);
    if (!this.sessionLocks.has(sessionId)) {
      throw new BrokerError('com.microsoft:session-lock-lost', `The session lock has expired on the session with id ${sessionId}.`);
    }
  }

  private expireSessionIfDue(sessionId: string): void {
    const lock = this.sessionLocks.get(sessionId);
    if (!lock) return;
    if (lock.lockedUntil > this.now()) {
      // A timer that fired early against an injected clock: look again later.
      clearTimeout(lock.timer);
      lock.timer = setTimeout(() => this.expireSessionIfDue(sessionId), Math.max(5, lock.lockedUntil - this.now()));
      return;
    }
    this.log(`${this.name}: session lock on '${sessionId}' expired`);
    lock.consumer.terminate('com.microsoft:session-lock-lost', `The session lock has expired on the session with id ${sessionId}.`);
    this.detach(lock.consumer);
  }

  /** Session state lives as long as the queue, like the real service's (until set to null). */
  getSessionState(sessionId: string): Buffer | undefined {
    return this.sessionStates.get(sessionId);
  }

  setSessionState(sessionId: string, state: Buffer | undefined): void {
    if (state === undefined || state.length === 0) this.sessionStates.delete(sessionId);
    else this.sessionStates.set(sessionId, state);
  }

  attach(consumer: Consumer): void {
    this.consumers.add(consumer);
    this.pump();
  }

  /** A receiver is gone: its session and every message it had locked become available again. */
  detach(consumer: Consumer): void {
    if (!this.consumers.delete(consumer)) return;
    if (consumer.sessionId !== undefined) {
      const lock = this.sessionLocks.get(consumer.sessionId);
      if (lock?.consumer === consumer) {
        clearTimeout(lock.timer);
        this.sessionLocks.delete(consumer.sessionId);
      }
    }
    for (const stored of [...this.lockedByTag.values()]) {
      if (stored.lock?.consumer === consumer) this.returnToQueue(stored);
    }
    this.serveWaiters();
    this.pump();
  }

  /** Hands available messages to every consumer that has credit, oldest first. */
  pump(): void {
    for (const consumer of this.consumers) {
      const list =
        consumer.subQueue === 'deadLetter'
          ? this.deadLetters
          : consumer.sessionId === undefined
            ? this.active
            : this.activeBySession.get(consumer.sessionId);
      if (!list) continue;
      while (consumer.credit() > 0) {
        const next = list.find((m) => !m.lock);
        if (!next) break;
        this.deliver(next, consumer);
      }
    }
  }

  private deliver(stored: StoredMessage, consumer: Consumer): void {
    const tag = randomBytes(16);
    if (consumer.receiveAndDelete) {
      this.remove(stored);
      consumer.deliver(stored, tag, this.now());
      return;
    }
    const session = consumer.sessionId === undefined ? undefined : this.sessionLocks.get(consumer.sessionId);
    const lockedUntil = session ? session.lockedUntil : this.now() + this.settings.lockDurationMs;
    stored.lock = { tag, consumer, lockedUntil };
    if (!session) stored.lock.timer = setTimeout(() => this.expireMessageLock(stored, tag), this.settings.lockDurationMs + 5);
    this.lockedByTag.set(tag.toString('hex'), stored);
    consumer.deliver(stored, tag, lockedUntil);
  }

  private expireMessageLock(stored: StoredMessage, tag: Buffer): void {
    if (stored.lock?.tag !== tag) return;
    this.log(`${this.name}: lock on message ${stored.sequenceNumber} expired`);
    this.returnToQueue(stored);
    this.pump();
  }

  /** Settles a locked message; the consumer must be the one holding the lock (checked by tag). */
  settle(tagKey: string, settlement: Settlement, consumer?: Consumer): void {
    const stored = this.lockedByTag.get(tagKey);
    const lock = stored?.lock;
    if (!stored || !lock || (consumer && lock.consumer !== consumer)) {
      throw new BrokerError(
        'com.microsoft:message-lock-lost',
        'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
      );
    }
    if (stored.sessionId === undefined && lock.lockedUntil <= this.now()) {
      this.expireMessageLock(stored, lock.tag);
      throw new BrokerError('com.microsoft:message-lock-lost', 'The lock supplied is invalid. The lock expired.');
    }
    if (settlement.kind === 'abandon') {
      this.returnToQueue(stored);
    } else {
      this.unlock(stored);
      this.remove(stored);
      if (settlement.kind === 'deadLetter') this.deadLetter(stored, settlement.reason, settlement.description);
    }
    this.pump();
  }

  renewMessageLock(tagKey: string): number {
    const stored = this.lockedByTag.get(tagKey);
    if (!stored?.lock || stored.lock.lockedUntil <= this.now()) {
      throw new BrokerError(
        'com.microsoft:message-lock-lost',
        'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
      );
    }
    if (stored.sessionId !== undefined) return this.renewSessionLock(stored.sessionId);
    clearTimeout(stored.lock.timer);
    stored.lock.lockedUntil = this.now() + this.settings.lockDurationMs;
    stored.lock.timer = setTimeout(() => this.expireMessageLock(stored, stored.lock!.tag), this.settings.lockDurationMs + 5);
    return stored.lock.lockedUntil;
  }

  private unlock(stored: StoredMessage): void {
    if (!stored.lock) return;
    clearTimeout(stored.lock.timer);
    this.lockedByTag.delete(stored.lock.tag.toString('hex'));
    delete stored.lock;
  }

  private remove(stored: StoredMessage): void {
    for (const list of [this.active, this.deadLetters]) {
      const index = list.indexOf(stored);
      if (index >= 0) list.splice(index, 1);
    }
    const line = stored.sessionId === undefined ? undefined : this.activeBySession.get(stored.sessionId);
    const index = line?.indexOf(stored) ?? -1;
    if (index < 0) return;
    line!.splice(index, 1);
    if (line!.length === 0) this.activeBySession.delete(stored.sessionId!);
  }

  /** A lock ended without settlement: the message stays first in line, one delivery older; past the limit it is dead-lettered. */
  private returnToQueue(stored: StoredMessage): void {
    this.unlock(stored);
    stored.deliveryCount++;
    if (this.deadLetters.includes(stored)) return;
    if (stored.deliveryCount >= this.settings.maxDeliveryCount) {
      this.remove(stored);
      this.deadLetter(
        stored,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      );
    }
  }

  private deadLetter(stored: StoredMessage, reason: string | undefined, description: string | undefined): void {
    const properties = { ...(stored.message.application_properties ?? {}) };
    if (reason !== undefined) properties.DeadLetterReason = reason;
    if (description !== undefined) properties.DeadLetterErrorDescription = description;
    this.deadLetters.push({
      ...stored,
      message: { ...stored.message, application_properties: properties },
      sequenceNumber: this.nextSequenceNumber++,
      deadLetterSource: this.name,
    });
    this.log(`${this.name}: message ${stored.sequenceNumber} dead-lettered (${reason ?? 'no reason'})`);
  }

  /** Messages from a sequence number on, locked or not, like the service's peek. */
  peek(subQueue: SubQueue, fromSequenceNumber: number, count: number, sessionId?: string): StoredMessage[] {
    const list = subQueue === 'active' ? this.active : this.deadLetters;
    return list
      .filter((m) => m.sequenceNumber >= fromSequenceNumber && (sessionId === undefined || m.sessionId === sessionId))
      .slice(0, count);
  }

  stats(): QueueStats {
    return {
      active: this.active.length,
      deadLetter: this.deadLetters.length,
      locked: this.lockedByTag.size,
      lockedSessions: [...this.sessionLocks.keys()],
      consumers: this.consumers.size,
    };
  }

  close(): void {
    for (const lock of this.sessionLocks.values()) clearTimeout(lock.timer);
    for (const stored of this.lockedByTag.values()) clearTimeout(stored.lock?.timer);
    this.sessionLocks.clear();
    this.waiters.length = 0;
    this.consumers.clear();
  }
}
