import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeployArgs, UsageError } from '../../../tools/scripts/deploy/parse-deploy-args.js';

test('the documented command line parses, with its defaults', () => {
  assert.deepEqual(parseDeployArgs(['--resource-group', 'rg-bots', '--location', 'westeurope']), {
    resourceGroup: 'rg-bots',
    location: 'westeurope',
    whatIf: false,
    parametersFile: 'infra/main.bicepparam',
    deploymentName: 'session-router',
  });
  assert.deepEqual(
    parseDeployArgs(['-g', 'rg', '-l', 'eastus2', '--what-if', '--parameters', 'infra/prod.bicepparam', '--subscription', 'sub-1']),
    {
      resourceGroup: 'rg',
      location: 'eastus2',
      whatIf: true,
      parametersFile: 'infra/prod.bicepparam',
      subscription: 'sub-1',
      deploymentName: 'session-router',
    },
  );
  assert.equal(parseDeployArgs(['--help']), undefined);
});

test('a bad command line is refused with the option that is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--location', 'westeurope'], /--resource-group is required/],
    [['--resource-group', 'rg'], /--location is required/],
    [['-g', 'rg', '-l', 'West Europe'], /--location "West Europe" must be a region name/],
    [['-g', 'bad/name', '-l', 'westeurope'], /--resource-group "bad\/name" is not a valid resource group name/],
    [['-g', 'rg', '-l', 'westeurope', '--parameters', 'main.parameters.json'], /must be a \.bicepparam file/],
    [['-g', 'rg', '-l', 'westeurope', '--force'], /Unknown option '--force'/],
    [['-g', 'rg', '-l', 'westeurope', 'extra'], /extra/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseDeployArgs(argv),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      argv.join(' '),
    );
  }
});
