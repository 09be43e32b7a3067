import rhea, { type Message } from 'rhea';
import { BrokerError, amqpInt, amqpText, lockTokensToTagKeys, longToNumber } from './amqp-encoding.js';
import type { DevQueue, Settlement, SubQueue } from './dev-queue.js';
import { outgoingMessage } from './outgoing-message.js';

export interface ManagementReply {
  statusCode: number;
  body?: unknown;
}

const STATUS_BY_CONDITION: Record<string, number> = {
  'com.microsoft:session-lock-lost': 410,
  'com.microsoft:message-lock-lost': 410,
  'com.microsoft:session-cannot-be-locked': 410,
  'amqp:not-found': 404,
  'amqp:not-implemented': 501,
  'amqp:not-allowed': 400,
  'com.microsoft:argument-error': 400,
};

/** The application properties of a $management reply; the SDK reads `statusCode` under that literal name. */
export function managementReplyProperties(reply: ManagementReply | BrokerError): Record<string, unknown> {
  if (reply instanceof BrokerError) {
    return {
      statusCode: amqpInt(STATUS_BY_CONDITION[reply.condition] ?? 500),
      statusDescription: reply.message,
      'error-condition': reply.condition,
    };
  }
  return { statusCode: amqpInt(reply.statusCode), statusDescription: reply.statusCode === 204 ? 'No Content' : 'OK' };
}

function sessionIdOf(body: Record<string, unknown>): string {
  const id = body['session-id'];
  if (typeof id !== 'string') throw new BrokerError('com.microsoft:argument-error', 'The request has no "session-id".');
  return id;
}

const DISPOSITIONS: Record<string, Settlement['kind']> = { completed: 'complete', abandoned: 'abandon', suspended: 'deadLetter' };

/** Runs one `com.microsoft:*` operation against a queue (or its dead-letter sub-queue). */
export function runManagementOperation(queue: DevQueue, subQueue: SubQueue, request: Message): ManagementReply {
  const operation = String(request.application_properties?.operation ?? '');
  const body = (request.body ?? {}) as Record<string, unknown>;
  switch (operation) {
    case 'com.microsoft:peek-message': {
      const from = longToNumber(body['from-sequence-number']) ?? 1;
      const count = Number(body['message-count'] ?? 1);
      const sessionId = typeof body['session-id'] === 'string' ? body['session-id'] : undefined;
      const found = queue.peek(subQueue, from, count, sessionId);
      if (found.length === 0) return { statusCode: 204 };
      return { statusCode: 200, body: { messages: found.map((m) => ({ message: rhea.message.encode(outgoingMessage(m)) })) } };
    }
    case 'com.microsoft:renew-session-lock':
      return { statusCode: 200, body: { expiration: new Date(queue.renewSessionLock(sessionIdOf(body))) } };
    case 'com.microsoft:get-session-state': {
      const sessionId = sessionIdOf(body);
      queue.requireSessionLock(sessionId);
      return { statusCode: 200, body: { 'session-state': queue.getSessionState(sessionId) ?? null } };
    }
    case 'com.microsoft:set-session-state': {
      const sessionId = sessionIdOf(body);
      queue.requireSessionLock(sessionId);
      const state = body['session-state'];
      queue.setSessionState(sessionId, Buffer.isBuffer(state) ? state : undefined);
      return { statusCode: 200 };
    }
    case 'com.microsoft:renew-lock':
      return {
        statusCode: 200,
        body: { expirations: lockTokensToTagKeys(body['lock-tokens']).map((key) => new Date(queue.renewMessageLock(key))) },
      };
    case 'com.microsoft:update-disposition': {
      const kind = DISPOSITIONS[String(body['disposition-status'])];
      if (!kind)
        throw new BrokerError(
          'amqp:not-implemented',
          `Disposition "${String(body['disposition-status'])}" is not supported by the development broker.`,
        );
      const reason = body['deadletter-reason'];
      const description = body['deadletter-description'];
      for (const key of lockTokensToTagKeys(body['lock-tokens'])) {
        queue.settle(
          key,
          kind === 'deadLetter'
            ? {
                kind,
                reason: reason === undefined ? undefined : amqpText(reason, 'deadletter-reason'),
                description: description === undefined ? undefined : amqpText(description, 'deadletter-description'),
              }
            : { kind },
        );
      }
      return { statusCode: 200 };
    }
    default:
      throw new BrokerError('amqp:not-implemented', `Operation "${operation}" is not supported by the development broker.`);
  }
}
