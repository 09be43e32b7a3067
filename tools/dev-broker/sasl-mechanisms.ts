import type { Container } from 'rhea';

/** A rhea server-side SASL mechanism: `start` sets `outcome` (true = authenticated). */
interface ServerMechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  start(response: Buffer | undefined): void;
}

/** Accepts every peer: a development broker checks no credentials (the CBS token that follows is not checked either). */
function acceptingMechanism(name: (response: Buffer | undefined) => string): () => ServerMechanism {
  return () => ({
    outcome: undefined,
    username: undefined,
    start(response) {
      this.outcome = true;
      this.username = name(response);
    },
  });
}

/**
 * The SASL mechanisms the broker offers. The .NET SDK (Azure.Messaging.ServiceBus, inside the Functions host)
 * accepts only MSSBCBS, the Service Bus mechanism meaning "authorization follows over $cbs"; @azure/service-bus
 * (rhea) picks ANONYMOUS; PLAIN is there for generic AMQP tools. Without a list rhea offers ANONYMOUS alone,
 * and the .NET SDK gives up: "None of the server sasl-mechanisms ([ANONYMOUS]) are supported by the client (MSSBCBS)".
 * CBS: https://learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-protocol-guide#claims-based-authorization;
 * MSSBCBS carries no credentials (Azure/azure-uamqp-c src/sasl_mssbcbs.c: an empty init, no challenge).
 */
export function offerServiceBusSaslMechanisms(container: Container): void {
  const mechanisms = (container as unknown as { sasl_server_mechanisms: Record<string, () => ServerMechanism> }).sasl_server_mechanisms;
  mechanisms.MSSBCBS = acceptingMechanism(() => 'cbs');
  mechanisms.ANONYMOUS = acceptingMechanism((response) => (response?.length ? response.toString('utf8') : 'anonymous'));
  // PLAIN's initial response is "authzid NUL authcid NUL password"; the user name is the middle field.
  mechanisms.PLAIN = acceptingMechanism((response) => response?.toString('utf8').split('\0')[1] ?? 'anonymous');
}
