import { azOrFail, DeployRefusal } from './az.js';

/** What `npm run deploy` learned about the target resource group before creating anything. */
export type TargetGroup = { exists: boolean; location: string };

/**
 * The group the deployment will use, with its region. An existing group keeps its region
 * (every resource goes where the group is, `resourceGroup().location`), so a --location that
 * differs is refused rather than silently ignored.
 */
export async function checkTargetGroup(resourceGroup: string, location: string, subscriptionId: string): Promise<TargetGroup> {
  const sub = ['--subscription', subscriptionId];
  const exists = (await azOrFail('checking the resource group', ['group', 'exists', '--name', resourceGroup, ...sub])).trim() === 'true';
  if (!exists) return { exists, location };
  const actual = normaliseRegion(
    await azOrFail('reading the resource group', [
      'group',
      'show',
      '--name',
      resourceGroup,
      ...sub,
      '--query',
      'location',
      '--output',
      'tsv',
    ]),
  );
  if (actual !== location) {
    throw new DeployRefusal(
      `resource group ${resourceGroup} already exists in ${actual}, not in ${location}: every resource is deployed to the group's region.\n` +
        `Run again with --location ${actual}, or choose another --resource-group to deploy to ${location}.`,
    );
  }
  return { exists, location };
}

/**
 * Refuses a region without Flex Consumption before anything is created there. The list is the
 * live one; https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#view-currently-supported-regions
 */
export async function checkFlexConsumptionRegion(location: string, subscriptionId: string): Promise<void> {
  const listed = await azOrFail(
    'listing the regions that offer Flex Consumption (az 2.60 or later has `az functionapp list-flexconsumption-locations`; run `az upgrade`)',
    ['functionapp', 'list-flexconsumption-locations', '--subscription', subscriptionId, '--query', '[].name', '--output', 'json'],
  );
  let names: unknown;
  try {
    names = JSON.parse(listed);
  } catch {
    throw new DeployRefusal(`az functionapp list-flexconsumption-locations answered something that is not JSON:\n${listed.slice(0, 500)}`);
  }
  if (!Array.isArray(names) || !names.every((name): name is string => typeof name === 'string')) {
    throw new DeployRefusal(`az functionapp list-flexconsumption-locations answered an unexpected shape:\n${listed.slice(0, 500)}`);
  }
  const regions = [...new Set(names.map(normaliseRegion))].sort();
  if (!regions.includes(location)) {
    throw new DeployRefusal(
      `Flex Consumption is not offered in ${location} for this subscription; nothing was created.\nRegions that offer it: ${regions.join(', ')}`,
    );
  }
}

/** `West Europe` and `westeurope` are the same region to ARM. */
function normaliseRegion(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '');
}
