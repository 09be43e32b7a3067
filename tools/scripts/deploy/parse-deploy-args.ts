import { parseArgs } from 'node:util';

export type DeployOptions = {
  resourceGroup: string;
  location: string;
  /** Preview with `az deployment group what-if`: nothing is created, built or published. */
  whatIf: boolean;
  /** A .bicepparam file; its `using` names the template. */
  parametersFile: string;
  subscription?: string;
  deploymentName: string;
};

export const usage = `Usage: npm run deploy -- --resource-group <name> --location <region> [options]

  -g, --resource-group <name>   resource group to create or update (required)
  -l, --location <region>       Azure region, e.g. westeurope; must offer Flex Consumption, and be the
                                group's region when the group exists (required)
      --what-if                 preview the infrastructure changes only: nothing is created or published
  -p, --parameters <file>       a .bicepparam file (default: infra/main.bicepparam)
      --subscription <id|name>  subscription to use (default: az's current one)
      --deployment-name <name>  name of the ARM deployment (default: session-router)
  -h, --help                    show this help

Set GITHUB_WEBHOOK_SECRET in the environment to choose the webhook secret; otherwise the
first deployment generates one in Key Vault and later ones keep it.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses the deploy command line; `undefined` means help was asked for. */
export function parseDeployArgs(argv: readonly string[]): DeployOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'resource-group': { type: 'string', short: 'g' },
        location: { type: 'string', short: 'l' },
        'what-if': { type: 'boolean', default: false },
        parameters: { type: 'string', short: 'p', default: 'infra/main.bicepparam' },
        subscription: { type: 'string' },
        'deployment-name': { type: 'string', default: 'session-router' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return undefined;

  const resourceGroup = required(values['resource-group'], '--resource-group');
  if (!/^[-\w.()]{1,90}$/.test(resourceGroup) || resourceGroup.endsWith('.')) {
    throw new UsageError(
      `--resource-group "${resourceGroup}" is not a valid resource group name (1-90 letters, digits, "-", "_", ".", "(", ")", not ending in ".")`,
    );
  }
  const location = required(values.location, '--location');
  if (!/^[a-z0-9]+$/.test(location)) {
    throw new UsageError(`--location "${location}" must be a region name such as westeurope or eastus2 (lower-case, no spaces)`);
  }
  const parametersFile = required(values.parameters, '--parameters');
  if (!parametersFile.endsWith('.bicepparam')) {
    throw new UsageError(`--parameters "${parametersFile}" must be a .bicepparam file (it names the template with \`using\`)`);
  }
  return {
    resourceGroup,
    location,
    whatIf: values['what-if'] ?? false,
    parametersFile,
    ...(values.subscription === undefined ? {} : { subscription: values.subscription }),
    deploymentName: values['deployment-name'] ?? 'session-router',
  };
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${option} is required`);
  return value.trim();
}
