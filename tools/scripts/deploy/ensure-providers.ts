import { azOrFail, DeployRefusal } from './az.js';

/**
 * Resource providers of every resource type in infra/ (a subscription that never used one
 * refuses the deployment with MissingSubscriptionRegistration).
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types#register-resource-provider
 * Microsoft.App: Flex Consumption needs it registered (the CLI and portal enforce it when they
 * create a Flex app, for virtual network integration); registering costs nothing.
 * https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations
 */
export const requiredProviders = [
  'Microsoft.Web',
  'Microsoft.App',
  'Microsoft.ServiceBus',
  'Microsoft.Storage',
  'Microsoft.KeyVault',
  'Microsoft.ManagedIdentity',
  'Microsoft.Insights',
  'Microsoft.OperationalInsights',
] as const;

/**
 * Registers the providers the subscription lacks (waiting until each is registered), or, when
 * `register` is false (--what-if), only names them. Registering needs the subscription-level
 * `*\/register/action` right; without it the refusal says who can do it.
 */
export async function ensureProviders(subscriptionId: string, register: boolean, log: (line: string) => void): Promise<readonly string[]> {
  const sub = ['--subscription', subscriptionId];
  const listed = await azOrFail('listing the registered resource providers', [
    'provider',
    'list',
    ...sub,
    '--query',
    "[?registrationState=='Registered'].namespace",
    '--output',
    'json',
  ]);
  const registered = new Set((JSON.parse(listed) as string[]).map((name) => name.toLowerCase()));
  const missing = requiredProviders.filter((name) => !registered.has(name.toLowerCase()));
  if (missing.length === 0) return missing;
  if (!register) {
    log(`a deployment would first register these resource providers: ${missing.join(', ')}`);
    return missing;
  }
  for (const namespace of missing) {
    log(`registering resource provider ${namespace} (once per subscription; can take a few minutes)`);
    try {
      await azOrFail(`registering resource provider ${namespace}`, ['provider', 'register', '--namespace', namespace, ...sub, '--wait']);
    } catch (error) {
      if (!(error instanceof DeployRefusal)) throw error;
      throw new DeployRefusal(
        `${error.message}\nRegistering a resource provider needs the subscription-level */register/action right (Contributor or Owner on the subscription); ` +
          `ask someone who has it to run: az provider register --namespace ${namespace} --subscription ${subscriptionId}`,
      );
    }
  }
  return missing;
}
