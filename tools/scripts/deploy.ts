import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBots } from '../../src/bots/load-bots.js';
import { az, azOrFail, DeployRefusal, ensureLoggedIn } from './deploy/az.js';
import { checkFlexConsumptionRegion, checkTargetGroup } from './deploy/check-location.js';
import { ensureProviders } from './deploy/ensure-providers.js';
import { webhookEvents, webhookSetupText } from './deploy/github-webhook-setup.js';
import { packageApp } from './deploy/package-app.js';
import { verifyPackageLoads } from './deploy/verify-package-loads.js';
import { parseDeployArgs, usage, UsageError, type DeployOptions } from './deploy/parse-deploy-args.js';
import { publishWithRetry } from './deploy/publish-with-retry.js';

/**
 * One-command deployment: `npm run deploy -- --resource-group <rg> --location <region>`.
 * Infrastructure (infra/main.bicep) → app package → publish → how to wire GitHub to it.
 */

/** Repository root, from dist/tools/scripts/. */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The .bicepparam reads the secret from here, so it never appears on a command line. */
const secretVariable = 'SESSION_ROUTER_WEBHOOK_SECRET';

type Outputs = {
  functionAppName: string;
  webhookUrl: string;
  serviceBusNamespace: string;
  keyVaultName: string;
  webhookSecretName: string;
  queueNames: string[];
};

const log = (line: string) => console.log(`[deploy] ${line}`);

export async function deploy(options: DeployOptions): Promise<void> {
  const parametersFile = resolve(root, options.parametersFile);
  if (!existsSync(parametersFile)) throw new DeployRefusal(`parameters file ${parametersFile} does not exist`);

  const account = await ensureLoggedIn(options.subscription);
  log(`subscription ${account.subscriptionName} (${account.subscriptionId}) as ${account.user}`);
  const sub = ['--subscription', account.subscriptionId];
  const group = ['--resource-group', options.resourceGroup];

  // Before anything is created: the group's region is the one asked for, it offers Flex
  // Consumption, and the subscription has the resource providers (registered unless --what-if).
  const { exists: groupExists } = await checkTargetGroup(options.resourceGroup, options.location, account.subscriptionId);
  await checkFlexConsumptionRegion(options.location, account.subscriptionId);
  await ensureProviders(account.subscriptionId, !options.whatIf, log);

  if (options.whatIf) {
    if (!groupExists) {
      log(
        `resource group ${options.resourceGroup} does not exist: a deployment would create it in ${options.location}, and every resource in infra/main.bicep with it.`,
      );
      log('what-if needs an existing group; create it (`az group create`) for a resource-by-resource preview. Nothing was changed.');
      return;
    }
    log(`what-if against ${options.resourceGroup}: nothing is created, built or published`);
    await azOrFail(
      'what-if',
      ['deployment', 'group', 'what-if', ...group, ...sub, '--name', options.deploymentName, '--parameters', parametersFile],
      { inherit: true },
    );
    return;
  }

  const secret = await webhookSecretToWrite(options, account.subscriptionId, groupExists, parametersFile);

  if (!groupExists) {
    log(`creating resource group ${options.resourceGroup} in ${options.location}`);
    await azOrFail('creating the resource group', [
      'group',
      'create',
      '--name',
      options.resourceGroup,
      '--location',
      options.location,
      ...sub,
      '--output',
      'none',
    ]);
  }

  log(`deploying infra (${options.parametersFile}); a first deployment takes a few minutes`);
  const outputsJson = await azOrFail(
    'the deployment',
    [
      'deployment',
      'group',
      'create',
      ...group,
      ...sub,
      '--name',
      options.deploymentName,
      '--parameters',
      parametersFile,
      '--query',
      'properties.outputs',
      '--output',
      'json',
    ],
    { env: { [secretVariable]: secret ?? '' } },
  );
  const outputs = Object.fromEntries(
    Object.entries(JSON.parse(outputsJson) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]),
  ) as Outputs;
  log(`function app ${outputs.functionAppName}, Service Bus ${outputs.serviceBusNamespace}, queues ${outputs.queueNames.join(', ')}`);

  const workDir = await mkdtemp(join(tmpdir(), 'session-router-deploy-'));
  try {
    log('packaging the app (dist without tests or local-only code, host.json, production node_modules; .funcignore honoured)');
    // Refuses, before anything is uploaded, a package whose functions would not load in Azure.
    const zip = await packageApp(root, workDir, log, verifyPackageLoads);
    log(`publishing to ${outputs.functionAppName}`);
    await publishWithRetry(
      [
        'functionapp',
        'deployment',
        'source',
        'config-zip',
        ...group,
        ...sub,
        '--name',
        outputs.functionAppName,
        '--src',
        zip,
        '--output',
        'none',
      ],
      { log },
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  // The bots.json built into this package (what the queues were made from), read as the app reads it.
  const bots = readBots();
  console.log(
    webhookSetupText({
      webhookUrl: outputs.webhookUrl,
      keyVaultName: outputs.keyVaultName,
      secretName: outputs.webhookSecretName,
      events: webhookEvents(bots),
      secretWritten: secret !== undefined,
    }),
  );
}

/**
 * The secret this deployment writes to Key Vault: GITHUB_WEBHOOK_SECRET when set, a new random
 * one when the vault has none yet, else none (a redeployment keeps the secret GitHub has).
 * Existence is checked on the control plane, which needs no Key Vault data role.
 */
async function webhookSecretToWrite(
  options: DeployOptions,
  subscriptionId: string,
  groupExists: boolean,
  parametersFile: string,
): Promise<string | undefined> {
  const chosen = process.env.GITHUB_WEBHOOK_SECRET?.trim();
  let secret: string | undefined;
  if (chosen) {
    log('writing the webhook secret from GITHUB_WEBHOOK_SECRET to Key Vault');
    secret = chosen;
  } else if (!(await secretExists(options, subscriptionId, groupExists))) {
    log('no webhook secret in Key Vault yet: generating one');
    secret = randomBytes(32).toString('hex');
  }
  if (secret !== undefined && !(await readFile(parametersFile, 'utf8')).includes(secretVariable)) {
    throw new DeployRefusal(
      `${options.parametersFile} must pass the webhook secret on: add\n  param webhookSecret = readEnvironmentVariable('${secretVariable}', '')`,
    );
  }
  return secret;
}

async function secretExists(options: DeployOptions, subscriptionId: string, groupExists: boolean): Promise<boolean> {
  if (!groupExists) return false;
  const previous = await az([
    'deployment',
    'group',
    'show',
    '--resource-group',
    options.resourceGroup,
    '--subscription',
    subscriptionId,
    '--name',
    options.deploymentName,
    '--query',
    'properties.outputs.[keyVaultName.value, webhookSecretName.value]',
    '--output',
    'tsv',
  ]);
  const [vault, secretName] = previous.stdout.trim().split(/\s+/);
  if (previous.exitCode !== 0 || !vault || !secretName) return false;
  const secretId = `/subscriptions/${subscriptionId}/resourceGroups/${options.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault}/secrets/${secretName}`;
  const shown = await az(['resource', 'show', '--ids', secretId, '--query', 'id', '--output', 'tsv']);
  if (shown.exitCode === 0) return true;
  if (/not ?found|could not be found/i.test(shown.stderr)) return false;
  throw new DeployRefusal(
    `cannot tell whether ${vault} holds the webhook secret (refusing to replace the one GitHub has):\n${shown.stderr.trim()}`,
  );
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const options = parseDeployArgs(argv);
    if (options === undefined) {
      console.log(usage);
      return 0;
    }
    await deploy(options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`deploy: ${error.message}\n\n${usage}`);
      return 2;
    }
    if (error instanceof DeployRefusal) {
      console.error(`deploy: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
