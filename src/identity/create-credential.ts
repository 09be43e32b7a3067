import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

/** A connection's identity settings: `<connection>__credential` and `<connection>__clientId`. */
export interface IdentitySettings {
  credential?: string | undefined;
  clientId?: string | undefined;
}

/**
 * The one way this app gets an Entra ID credential (Service Bus, storage, telemetry), chosen as
 * the Functions host chooses it for its own triggers from the same settings:
 * - `<connection>__credential=managedidentity` (what infra sets) or a `<connection>__clientId`:
 *   ManagedIdentityCredential, the user-assigned identity `__clientId` when given, else the
 *   system-assigned one. No credential chain: in Azure a failing managed identity must say so,
 *   not fall through to other sources.
 *   https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 * - neither (a developer machine): DefaultAzureCredential, i.e. the developer's own identity
 *   (environment, workload identity, Azure CLI, …), as the host does when run locally.
 *   https://learn.microsoft.com/azure/azure-functions/functions-reference#local-development-with-identity-based-connections
 */
export function createCredential(connection: string, identity: IdentitySettings): TokenCredential {
  const credential = identity.credential?.trim();
  const clientId = identity.clientId?.trim() || undefined;
  if (credential !== undefined && credential !== '' && credential.toLowerCase() !== 'managedidentity') {
    throw new Error(`${connection}__credential must be "managedidentity" (or unset for a developer's own identity), got "${credential}"`);
  }
  if ((credential !== undefined && credential !== '') || clientId !== undefined) {
    return clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId });
  }
  return new DefaultAzureCredential();
}
