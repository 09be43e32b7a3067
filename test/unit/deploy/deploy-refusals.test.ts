import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { runDeploy, withFakeAz } from '../../support/fake-az.js';

const args = ['--resource-group', 'rg-bots', '--location', 'westeurope'];

test('without az on PATH the deploy refuses and says how to get it', async () => {
  const result = await runDeploy(args, dirname(process.execPath));
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /The Azure CLI \(az\) was not found on PATH\. Install it .*run `az login`/);
});

test('with az logged out the deploy refuses before touching anything', async () => {
  await withFakeAz(`  "account show --output json") echo "ERROR: Please run 'az login' to setup account." >&2; exit 1 ;;`, async (fake) => {
    const result = await runDeploy(args, fake.dir);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /az is not logged in: run `az login`/);
    assert.deepEqual(await fake.calls(), ['account show --output json']);
  });
});

test('a bad command line exits 2 with the usage, without calling az', async () => {
  await withFakeAz('', async (fake) => {
    const result = await runDeploy(['--location', 'westeurope'], fake.dir);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--resource-group is required[\s\S]*Usage: npm run deploy/);
    assert.deepEqual(await fake.calls(), []);
  });
});

const loggedIn = `  "account show --output json") echo '{"id":"sub-id","name":"My subscription","user":{"name":"me@example.com"}}' ;;`;

/** What `az functionapp list-flexconsumption-locations` and `az provider list` answer by default. */
const flexRegions = `  "functionapp list-flexconsumption-locations --subscription sub-id --query [].name --output json") echo '["eastus","northeurope","westeurope"]' ;;`;
const allProvidersRegistered = `  "provider list --subscription sub-id --query [?registrationState=='Registered'].namespace --output json") echo '["Microsoft.Web","Microsoft.App","Microsoft.ServiceBus","Microsoft.Storage","Microsoft.KeyVault","Microsoft.ManagedIdentity","Microsoft.Insights","Microsoft.OperationalInsights","Microsoft.Compute"]' ;;`;
const ready = `${loggedIn}\n${flexRegions}\n${allProvidersRegistered}`;
const groupInWesteurope = `  "group exists --name rg-bots --subscription sub-id") echo true ;;
  "group show --name rg-bots --subscription sub-id --query location --output tsv") echo westeurope ;;`;

test('--what-if previews the template and changes nothing', async () => {
  await withFakeAz(
    `${ready}
${groupInWesteurope}
  "deployment group what-if "*) echo "Resource changes: 30 to create." ;;`,
    async (fake) => {
      const result = await runDeploy([...args, '--what-if'], fake.dir);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /Resource changes: 30 to create\./);
      const calls = await fake.calls();
      assert.match(
        calls.at(-1)!,
        /^deployment group what-if --resource-group rg-bots --subscription sub-id --name session-router --parameters \S+\/infra\/main\.bicepparam$/,
      );
      assert.ok(!calls.some((c) => /group create|deployment group create|config-zip/.test(c)), 'nothing is created');
    },
  );
});

test('--what-if on a group that does not exist says what would happen and creates nothing', async () => {
  await withFakeAz(
    `${ready}
  "group exists --name rg-bots --subscription sub-id") echo false ;;`,
    async (fake) => {
      const result = await runDeploy([...args, '--what-if'], fake.dir);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /rg-bots does not exist: a deployment would create it in westeurope/);
      assert.ok(
        !(await fake.calls()).some((c) => /group create|provider register|deployment group/.test(c)),
        'nothing is created or registered',
      );
    },
  );
});

test("a failing deployment stops before packaging, with az's reason", async () => {
  await withFakeAz(
    `${ready}
  "group exists --name rg-bots --subscription sub-id") echo false ;;
  "group create "*) exit 0 ;;
  "deployment group create "*) echo "secret in environment: \${#SESSION_ROUTER_WEBHOOK_SECRET} characters" >> "\${0%/az}/calls.log"; echo "InvalidTemplateDeployment: Flex Consumption is not available in westeurope" >&2; exit 1 ;;`,
    async (fake) => {
      const result = await runDeploy(args, fake.dir);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /the deployment failed .*\n.*Flex Consumption is not available/);
      const calls = await fake.calls();
      assert.ok(calls.some((c) => c.startsWith('group create --name rg-bots --location westeurope')));
      assert.ok(!calls.some((c) => c.includes('config-zip')));
      assert.ok(
        calls.includes('secret in environment: 64 characters'),
        'a first deployment generates a secret and hands it over in the environment',
      );
      assert.ok(!calls.some((c) => /[0-9a-f]{64}/.test(c)), 'the generated secret never appears on an az command line');
    },
  );
});

const redeployment = `${ready}
${groupInWesteurope}
  "deployment group show "*) printf 'kv-bots\\tgithub-webhook-secret\\n' ;;
  "resource show --ids /subscriptions/sub-id/resourceGroups/rg-bots/providers/Microsoft.KeyVault/vaults/kv-bots/secrets/github-webhook-secret "*) echo "$2" ;;
  "deployment group create "*) echo "secret in environment: \${#SESSION_ROUTER_WEBHOOK_SECRET} characters" >> "\${0%/az}/calls.log"; exit 1 ;;`;

test('a redeployment keeps the secret already in Key Vault', async () => {
  await withFakeAz(redeployment, async (fake) => {
    await runDeploy(args, fake.dir);
    const calls = await fake.calls();
    assert.ok(calls.includes('secret in environment: 0 characters'), calls.join('\n'));
    assert.ok(!calls.some((c) => c.startsWith('group create')), 'an existing group is left as it is');
  });
});

test('GITHUB_WEBHOOK_SECRET replaces the secret in Key Vault', async () => {
  await withFakeAz(redeployment, async (fake) => {
    await runDeploy(args, fake.dir, { GITHUB_WEBHOOK_SECRET: 'chosen-secret' });
    assert.ok((await fake.calls()).includes('secret in environment: 13 characters'));
  });
});

const nothingCreated = (calls: string[]) => !calls.some((c) => /^(group create|deployment group create|provider register)/.test(c));

test('--location for an existing group in another region is refused, not silently ignored', async () => {
  await withFakeAz(
    `${ready}
  "group exists --name rg-bots --subscription sub-id") echo true ;;
  "group show --name rg-bots --subscription sub-id --query location --output tsv") echo northeurope ;;`,
    async (fake) => {
      const result = await runDeploy(args, fake.dir);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /resource group rg-bots already exists in northeurope, not in westeurope[\s\S]*--location northeurope/);
      assert.ok(nothingCreated(await fake.calls()));
    },
  );
});

test('a region without Flex Consumption is refused before anything is created, naming the regions that have it', async () => {
  await withFakeAz(
    `${loggedIn}
${allProvidersRegistered}
  "group exists --name rg-bots --subscription sub-id") echo false ;;
  "functionapp list-flexconsumption-locations "*) echo '["eastus","northeurope"]' ;;`,
    async (fake) => {
      const result = await runDeploy(args, fake.dir);
      assert.equal(result.exitCode, 1);
      assert.match(
        result.stderr,
        /Flex Consumption is not offered in westeurope for this subscription; nothing was created\.\nRegions that offer it: eastus, northeurope/,
      );
      assert.ok(nothingCreated(await fake.calls()));
    },
  );
});

test('missing resource providers are registered (and waited for) before the group is created', async () => {
  await withFakeAz(
    `${loggedIn}
${flexRegions}
  "provider list "*) echo '["Microsoft.Web","Microsoft.Storage","Microsoft.KeyVault","Microsoft.ManagedIdentity","Microsoft.Insights"]' ;;
  "provider register "*) exit 0 ;;
  "group exists --name rg-bots --subscription sub-id") echo false ;;
  "group create "*) exit 0 ;;
  "deployment group create "*) echo "stop here" >&2; exit 1 ;;`,
    async (fake) => {
      const result = await runDeploy(args, fake.dir);
      assert.match(result.stderr, /stop here/);
      const calls = await fake.calls();
      const registered = calls.filter((c) => c.startsWith('provider register'));
      assert.deepEqual(registered, [
        'provider register --namespace Microsoft.App --subscription sub-id --wait',
        'provider register --namespace Microsoft.ServiceBus --subscription sub-id --wait',
        'provider register --namespace Microsoft.OperationalInsights --subscription sub-id --wait',
      ]);
      const firstCreate = calls.findIndex((c) => c.startsWith('group create'));
      assert.ok(calls.findIndex((c) => c.startsWith('provider register')) < firstCreate, 'providers first');
      assert.ok(calls.findIndex((c) => c.startsWith('functionapp list-flexconsumption-locations')) < firstCreate, 'region checked first');
    },
  );
});

test('--what-if names the providers a deployment would register, and registers none', async () => {
  await withFakeAz(
    `${loggedIn}
${flexRegions}
${groupInWesteurope}
  "provider list "*) echo '["Microsoft.Web","Microsoft.App","Microsoft.Storage","Microsoft.KeyVault","Microsoft.ManagedIdentity","Microsoft.Insights","Microsoft.OperationalInsights"]' ;;
  "deployment group what-if "*) echo "Resource changes: 30 to create." ;;`,
    async (fake) => {
      const result = await runDeploy([...args, '--what-if'], fake.dir);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /a deployment would first register these resource providers: Microsoft\.ServiceBus/);
      assert.ok(!(await fake.calls()).some((c) => c.startsWith('provider register')));
    },
  );
});

test('a provider the user may not register stops the deploy with who can do it', async () => {
  await withFakeAz(
    `${loggedIn}
${flexRegions}
  "provider list "*) echo '["Microsoft.Web","Microsoft.App","Microsoft.Storage","Microsoft.KeyVault","Microsoft.ManagedIdentity","Microsoft.Insights","Microsoft.OperationalInsights"]' ;;
  "provider register "*) echo "(AuthorizationFailed) The client does not have authorization to perform action 'Microsoft.ServiceBus/register/action'" >&2; exit 1 ;;
  "group exists --name rg-bots --subscription sub-id") echo false ;;`,
    async (fake) => {
      const result = await runDeploy(args, fake.dir);
      assert.equal(result.exitCode, 1);
      assert.match(
        result.stderr,
        /registering resource provider Microsoft\.ServiceBus failed[\s\S]*AuthorizationFailed[\s\S]*az provider register --namespace Microsoft\.ServiceBus --subscription sub-id/,
      );
      assert.ok(nothingCreated((await fake.calls()).filter((c) => !c.startsWith('provider register'))));
    },
  );
});
