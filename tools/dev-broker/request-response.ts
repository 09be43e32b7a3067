import type { Connection, Message, Sender } from 'rhea';
import { BrokerError, amqpInt } from './amqp-encoding.js';
import { managementReplyProperties, runManagementOperation } from './management-operations.js';
import { entityPath, type Entity, type QueueRegistry } from './queue-registry.js';

/**
 * `$cbs` put-token. Any token is good (a development broker), but like the service, a token for an entity
 * that does not exist gets 404: that is where the SDK's MessagingEntityNotFound comes from, on every path.
 */
export function answerPutToken(queues: QueueRegistry, request: Message): Message {
  const audience = String(request.application_properties?.name ?? '');
  const namespaceOnly = entityPath(audience) === '';
  const entity = namespaceOnly ? undefined : queues.resolve(audience);
  return {
    correlation_id: request.message_id,
    application_properties:
      entity instanceof BrokerError
        ? { 'status-code': amqpInt(404), 'status-description': entity.message, 'error-condition': entity.condition }
        : { 'status-code': amqpInt(202), 'status-description': 'Accepted' },
    body: null,
  };
}

/** `<queue>/$management`: the operation's result, or the error it ended with, as a reply. */
export function answerManagementRequest(entity: Entity, request: Message): Message {
  try {
    const result = runManagementOperation(entity.queue, entity.subQueue, request);
    return { correlation_id: request.message_id, application_properties: managementReplyProperties(result), body: result.body ?? null };
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    return { correlation_id: request.message_id, application_properties: managementReplyProperties(error), body: null };
  }
}

/** Replies go to the link a request's `reply_to` names: the SDK uses the receiving link's name (and target address). */
export class ReplyRoutes {
  private readonly routes = new WeakMap<Connection, Map<string, Sender>>();

  add(connection: Connection, link: Sender, targetAddress: string | undefined): void {
    const routes = this.routes.get(connection) ?? new Map<string, Sender>();
    routes.set(link.name, link);
    if (targetAddress) routes.set(targetAddress, link);
    this.routes.set(connection, routes);
  }

  /** False when no open link matches. */
  send(connection: Connection, replyTo: unknown, message: Message): boolean {
    const link = this.routes.get(connection)?.get(String(replyTo));
    if (!link?.is_open()) return false;
    link.send(message);
    return true;
  }
}
