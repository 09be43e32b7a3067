import type { ServiceBusMessage } from '@azure/service-bus';
import { envelopeBytes } from './envelope-bytes.js';
import type { OutgoingMessage } from './outgoing-message.js';

/**
 * The Service Bus message for one bot (DESIGN.md, "Envelope"). The body is the envelope's JSON
 * as bytes, i.e. an AMQP data section: the Functions host's .NET trigger can only read data
 * bodies (an object body would be an AMQP value it refuses). The application properties let
 * operators filter and peek without parsing the body.
 */
export function toServiceBusMessage({ bot, sessionId, messageId, envelope }: Omit<OutgoingMessage, 'ordered'>): ServiceBusMessage {
  return {
    body: envelopeBytes(envelope),
    contentType: 'application/json',
    // A session-enabled queue requires a SessionId; a plain queue (strategy none) gets none, there is no session.
    ...(sessionId === undefined ? {} : { sessionId }),
    messageId,
    subject: envelope.action ?? envelope.eventType,
    applicationProperties: {
      eventType: envelope.eventType,
      action: envelope.action,
      bot,
      entityType: envelope.entityType,
      repository: envelope.repository?.fullName ?? null,
    },
  };
}
