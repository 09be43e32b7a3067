import { createHash } from 'node:crypto';
import type { ServiceBusMessage } from '@azure/service-bus';
import type { CloseReason } from './session-record.js';

/**
 * What a bot is told when a generation of one of its sessions closes (a limit at the touch, idle
 * by the janitor, an operator's close): at least once, in order after the generation's last
 * message. `sessionId` + `generation` is the key a bot drops a repeat by.
 */
export interface SessionClosedNotice {
  sessionId: string;
  generation: number;
  reason: CloseReason;
  messageCount: number;
  openedAt: string;
  closedAt: string;
}

/** The control message's body: `kind` tells it apart from an event envelope (which has `schemaVersion` and `eventId`). */
export interface SessionClosedMessageBody extends SessionClosedNotice {
  kind: 'session-closed';
}

/**
 * The control message a close by the janitor or an operator puts on the bot's own queue, with the
 * session's SessionId: processed by the same handler, in order after the generation's last message,
 * retried like any message, kept in line while the session is held. Its MessageId is derived from
 * session + generation, so the queue's duplicate detection drops a resend of the same close
 * (https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection).
 */
export function toSessionClosedMessage(bot: string, notice: SessionClosedNotice): ServiceBusMessage {
  const body: SessionClosedMessageBody = { kind: 'session-closed', ...notice };
  return {
    body: new TextEncoder().encode(JSON.stringify(body)),
    contentType: 'application/json',
    sessionId: notice.sessionId,
    messageId: sessionClosedMessageId(notice.sessionId, notice.generation),
    subject: 'session-closed',
    applicationProperties: { bot, sessionEvent: 'closed', eventType: 'session-closed' },
  };
}

/** ≤ 128 characters whatever the session id: `closed-{generation}-{40 hex of sha256(sessionId)}`. */
export function sessionClosedMessageId(sessionId: string, generation: number): string {
  return `closed-${generation}-${createHash('sha256').update(sessionId, 'utf8').digest('hex').slice(0, 40)}`;
}

/** The notice in a queue message body (bytes, text or parsed JSON, as the host hands it over), else undefined. */
export function readSessionClosedNotice(body: unknown): SessionClosedNotice | undefined {
  let value: unknown = body;
  if (body instanceof Uint8Array) value = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (typeof value === 'string') {
    if (!value.includes('"session-closed"')) return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'session-closed') return undefined;
  const { sessionId, generation, reason, messageCount, openedAt, closedAt } = value as Record<string, unknown>;
  if (typeof sessionId !== 'string' || typeof generation !== 'number' || typeof reason !== 'string') return undefined;
  return {
    sessionId,
    generation,
    reason: reason as CloseReason,
    messageCount: typeof messageCount === 'number' ? messageCount : 0,
    openedAt: String(openedAt),
    closedAt: String(closedAt),
  };
}
