import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings } from '../../../src/config/settings.js';
import { telemetryIdentityFrom } from '../../../src/telemetry/telemetry-credential.js';

test('APPLICATIONINSIGHTS_AUTHENTICATION_STRING as infra sets it selects the user-assigned identity for telemetry', () => {
  const settings = readSettings({
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD',
  });
  assert.deepEqual(telemetryIdentityFrom(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING), {
    clientId: '00000000-0000-0000-0000-000000000001',
  });
  assert.deepEqual(telemetryIdentityFrom('authorization=aad'), {});
  assert.equal(telemetryIdentityFrom(readSettings({}).APPLICATIONINSIGHTS_AUTHENTICATION_STRING), undefined);
  assert.equal(telemetryIdentityFrom(''), undefined);
});

test('an authentication string that is not Entra ID names the setting', () => {
  assert.throws(() => telemetryIdentityFrom('ClientId=abc'), /APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be .*got "ClientId=abc"/);
});
