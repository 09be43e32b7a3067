// Site properties and app settings that Flex Consumption rejects or ignores, from
// https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
// (and the same table in Azure-Samples/azure-functions-flex-consumption-samples). A site property
// from the first list makes ARM refuse the deployment, e.g. error 51021 "The following list of
// site configuration properties (Site.SiteConfig.FtpsState, …) for Flex Consumption sites is invalid".

export const flexRejectedSiteProperties = [
  'ftpsState',
  'use32BitWorkerProcess',
  'isReserved',
  'isXenon',
  'windowsFxVersion',
  'linuxFxVersion',
  'alwaysOn',
  'preWarmedInstanceCount',
  'functionAppScaleLimit',
  'containerSize',
  'javaVersion',
  'powerShellVersion',
  'netFrameworkVersion',
  'nodeVersion',
] as const;

export const flexDeprecatedAppSettings = [
  'WEBSITE_NODE_DEFAULT_VERSION',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'FUNCTIONS_MAX_HTTP_CONCURRENCY',
  'FUNCTIONS_WORKER_PROCESS_COUNT',
  'FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTOVERVNET',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'WEBSITE_TIME_ZONE',
  'TZ',
  'WEBSITES_CONTAINER_START_TIME_LIMIT',
] as const;

/** Every object key in a JSON value, at any depth. */
export function allKeys(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) allKeys(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.push(key);
      allKeys(inner, into);
    }
  }
  return into;
}
