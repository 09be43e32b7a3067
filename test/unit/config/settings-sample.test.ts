import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSettings, settingNames, type Settings } from '../../../src/config/settings.js';

// One source of truth for defaults: src/config/settings.ts. local.settings.sample.json (what `npm start`
// copies on first run) must list every setting with the schema's default, so changing a default in one
// place fails here. infra/main.bicep is held to the same defaults by test/unit/infra/compiled-template.test.ts.

const samplePath = fileURLToPath(new URL('../../../../local.settings.sample.json', import.meta.url));
const sample = (JSON.parse(readFileSync(samplePath, 'utf8')) as { Values: Record<string, string> }).Values;

/** Set in the sample to a value of its own, on purpose. */
const localValues: Partial<Record<keyof Settings, string>> = {
  GITHUB_WEBHOOK_SECRET: 'a sample secret, so `npm start` verifies signatures out of the box (the banner says so)',
  ServiceBusConnection: 'the development broker; Azure uses ServiceBusConnection__fullyQualifiedNamespace',
  AzureWebJobsStorage: 'Azurite; Azure uses the AzureWebJobsStorage__*ServiceUri settings',
  WEBHOOK_REPLAY_WINDOW: 'PT0S, so `npm run send` / `npm run demo` can post the same example twice',
};
/** Read by the host itself, not by src/config/settings.ts. */
const hostSettings = new Set(['FUNCTIONS_WORKER_RUNTIME']);

test('local.settings.sample.json lists every app setting (identity forms aside) and nothing the code does not read', () => {
  const missing = settingNames.filter((name) => !name.includes('__') && !(name in sample));
  assert.deepEqual(missing, [], 'read by src/config/settings.ts but missing from local.settings.sample.json');
  const unknown = Object.keys(sample).filter((name) => !hostSettings.has(name) && !(settingNames as readonly string[]).includes(name));
  assert.deepEqual(unknown, [], 'in local.settings.sample.json but not read by src/config/settings.ts');
});

test("local.settings.sample.json holds the schema's default for every setting, unless it says why not", () => {
  const fromSample = readSettings(sample);
  const defaults = readSettings({});
  for (const name of settingNames.filter((n) => n in sample)) {
    if (name in localValues) {
      assert.notDeepEqual(
        fromSample[name],
        defaults[name],
        `${name} is listed as a local value (${localValues[name]}) but equals the default: drop it from localValues`,
      );
    } else {
      assert.deepEqual(
        fromSample[name],
        defaults[name],
        `${name} in local.settings.sample.json ("${sample[name]}") differs from the default in src/config/settings.ts`,
      );
    }
  }
});
