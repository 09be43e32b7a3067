import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readSettings } from '../../../src/config/settings.js';
import { readRedeliveryConfig } from '../../../src/redelivery/read-redelivery-config.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => readSettings(env),
    (error: Error) => {
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /BEGIN RSA|ghp_secret/, 'a credential is never echoed');
      return true;
    },
  );

test("redelivery is off unless GitHub credentials are set; the defaults are GitHub's 3 days and api.github.com", () => {
  const settings = readSettings({});
  assert.equal(readRedeliveryConfig(settings), undefined);
  assert.equal(settings.GITHUB_API_URL, 'https://api.github.com');
  assert.equal(settings.REDELIVERY_LOOKBACK, 3 * 86_400_000);
  assert.equal(settings.REDELIVERY_COOLDOWN, 5 * 60_000);
  assert.equal(settings.REDELIVERY_SCHEDULE, '0 */10 * * * *');
  assert.equal(readSettings({ REDELIVERY_SCHEDULE: ' ' }).REDELIVERY_SCHEDULE, '0 */10 * * * *', 'blank means the default');
});

test('an app id with its private key turns on the app hook; a key with literal \\n is made PEM again', () => {
  const config = readRedeliveryConfig(readSettings({ GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, '\\n') }));
  assert.deepEqual(config?.hook, { kind: 'app' });
  assert.deepEqual(config?.credentials, { kind: 'app', appId: 12345, privateKey: pem });
});

test('a token with a repository or organization hook turns on that hook; GHES URL accepted', () => {
  const repo = readRedeliveryConfig(
    readSettings({
      GITHUB_HOOK_TOKEN: 'ghp_secret',
      REDELIVERY_HOOK: 'repos/octo/hello/hooks/9',
      GITHUB_API_URL: 'https://ghe.example.test/api/v3/',
    }),
  );
  assert.deepEqual(repo?.hook, { kind: 'repository', owner: 'octo', repo: 'hello', hookId: 9 });
  assert.equal(repo?.apiUrl, 'https://ghe.example.test/api/v3');
  const org = readRedeliveryConfig(readSettings({ GITHUB_HOOK_TOKEN: 'ghp_secret', REDELIVERY_HOOK: 'orgs/octo/hooks/10' }));
  assert.deepEqual(org?.hook, { kind: 'organization', org: 'octo', hookId: 10 });
});

test('an unresolved Key Vault reference for the key is accepted at start-up (the timer names it at each run)', () => {
  const config = readRedeliveryConfig(
    readSettings({
      GITHUB_APP_ID: '1',
      GITHUB_APP_PRIVATE_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/github-app-key/)',
    }),
  );
  assert.equal(config?.credentials.kind, 'app');
});

test('inconsistent redelivery settings stop start-up, each naming what is wrong', () => {
  refused({ GITHUB_APP_PRIVATE_KEY: pem }, /GITHUB_APP_ID: is required with GITHUB_APP_PRIVATE_KEY/);
  refused({ GITHUB_APP_ID: '1' }, /GITHUB_APP_PRIVATE_KEY: is required with GITHUB_APP_ID/);
  refused({ GITHUB_APP_ID: 'my-app' }, /GITHUB_APP_ID: must be a positive whole number/);
  refused(
    { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'ghp_secret' },
    /GITHUB_APP_PRIVATE_KEY: is not a PEM private key.*the value is not shown/,
  );
  refused({ GITHUB_HOOK_TOKEN: 'ghp_secret' }, /REDELIVERY_HOOK: must name the repository or organization hook/);
  refused({ GITHUB_HOOK_TOKEN: 'ghp_secret', REDELIVERY_HOOK: 'app' }, /REDELIVERY_HOOK: must name the repository or organization hook/);
  refused(
    { GITHUB_HOOK_TOKEN: 'ghp_secret', REDELIVERY_HOOK: 'octo/hello' },
    /REDELIVERY_HOOK: must be "app", "repos\/OWNER\/REPO\/hooks\/ID" or "orgs\/ORG\/hooks\/ID", got "octo\/hello"/,
  );
  refused(
    { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: pem, REDELIVERY_HOOK: 'orgs/octo/hooks/1' },
    /REDELIVERY_HOOK: must be "app" with GITHUB_APP_ID/,
  );
  refused(
    { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: pem, GITHUB_HOOK_TOKEN: 'ghp_secret' },
    /GITHUB_HOOK_TOKEN: and GITHUB_APP_PRIVATE_KEY are both set/,
  );
  refused({ REDELIVERY_LOOKBACK: 'P4D' }, /REDELIVERY_LOOKBACK: must be a positive ISO 8601 duration up to P3D/);
  refused({ REDELIVERY_COOLDOWN: '5 minutes' }, /REDELIVERY_COOLDOWN: must be an ISO 8601 duration/);
  refused({ REDELIVERY_SCHEDULE: '*/10 * * * *' }, /REDELIVERY_SCHEDULE: must be a six-field NCRONTAB/);
  refused({ REDELIVERY_HOOK: 'orgs/octo/hooks/3' }, /GITHUB_HOOK_TOKEN: is required with REDELIVERY_HOOK "orgs\/octo\/hooks\/3"/);
  refused({ GITHUB_API_URL: 'api.github.com' }, /GITHUB_API_URL: must be an http\(s\) URL/);
});
