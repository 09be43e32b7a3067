import type { TokenCredential } from '@azure/identity';
import { createCredential } from '../identity/create-credential.js';

/**
 * The Entra ID credential for Application Insights ingestion from
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` (`Authorization=AAD` with an optional
 * `ClientId=<user-assigned identity>`), the format App Service and the Functions host use.
 * The host applies it to its own logs only; the app's SDK needs it too, or a component with
 * local auth off drops every custom event and metric. Undefined when the setting is unset.
 */
export function telemetryIdentityFrom(authenticationString: string | undefined): { clientId?: string } | undefined {
  if (authenticationString === undefined || authenticationString.trim() === '') return undefined;
  const parts = new Map(
    authenticationString
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [key = '', value = ''] = part.split(/=(.*)/s, 2);
        return [key.trim().toLowerCase(), value.trim()] as const;
      }),
  );
  if (parts.get('authorization')?.toLowerCase() !== 'aad') {
    throw new Error(
      `APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be "Authorization=AAD" or "ClientId=<client id>;Authorization=AAD", got "${authenticationString}"`,
    );
  }
  const clientId = parts.get('clientid');
  return clientId ? { clientId } : {};
}

/** `Authorization=AAD` means a managed identity (App Service's format has no developer form). */
export function telemetryCredential(identity: { clientId?: string }): TokenCredential {
  return createCredential('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', { credential: 'managedidentity', clientId: identity.clientId });
}
