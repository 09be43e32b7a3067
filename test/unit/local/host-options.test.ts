import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  batchSettingsWarning,
  lockRenewalWarning,
  parseTimeSpan,
  readHttpRoutePrefix,
  readServiceBusHostOptions,
} from '../../../tools/local-host/host-options.js';

const projectHostJson = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../host.json');

test("the project's host.json: 16 sessions at once, released after 250 ms idle, 16 calls at once without sessions, locks renewed for 30 min (above the 5 min functionTimeout), prefix api", () => {
  const options = readServiceBusHostOptions(projectHostJson, {});
  assert.equal(options.maxConcurrentSessions, 16);
  assert.equal(options.sessionIdleTimeoutMs, 250);
  assert.equal(options.maxConcurrentCalls, 16);
  assert.equal(options.maxAutoLockRenewalDurationMs, 1_800_000);
  assert.equal(options.functionTimeoutMs, 300_000);
  assert.equal(options.clientRetryOptions.timeoutInMs, 60_000);
  assert.equal(options.clientRetryOptions.retryDelayInMs, 800);
  assert.equal(options.maxMessageBatchSize, 1000, "not set in host.json: the host's default");
  assert.equal(readHttpRoutePrefix(projectHostJson), 'api');
});

test("the host's AzureFunctionsJobHost__ environment overrides win over host.json", () => {
  const options = readServiceBusHostOptions(projectHostJson, {
    AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentSessions: '2',
    AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: '3',
    AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: '00:00:00.250',
    AzureFunctionsJobHost__functionTimeout: '00:00:30',
    AzureFunctionsJobHost__extensions__serviceBus__maxMessageBatchSize: '32',
  });
  assert.equal(options.maxMessageBatchSize, 32);
  assert.equal(options.maxConcurrentSessions, 2);
  assert.equal(options.maxConcurrentCalls, 3);
  assert.equal(options.sessionIdleTimeoutMs, 250);
  assert.equal(options.functionTimeoutMs, 30_000);
});

test('a lock renewal shorter than functionTimeout is warned about; the project host.json is fine', () => {
  assert.equal(lockRenewalWarning(readServiceBusHostOptions(projectHostJson, {})), undefined);
  const short = readServiceBusHostOptions(projectHostJson, {
    AzureFunctionsJobHost__extensions__serviceBus__maxAutoLockRenewalDuration: '00:01:00',
  });
  assert.match(lockRenewalWarning(short) ?? '', /maxAutoLockRenewalDuration \(60 s\) is shorter than functionTimeout \(300 s\)/);
});

test('time spans as host.json writes them', () => {
  assert.equal(parseTimeSpan('00:00:05'), 5_000);
  assert.equal(parseTimeSpan('00:00:00.80'), 800);
  assert.equal(parseTimeSpan('1.02:03:04'), ((26 * 60 + 3) * 60 + 4) * 1000);
  assert.equal(parseTimeSpan('00:61:00'), undefined);
  assert.equal(parseTimeSpan('5s'), undefined);
});

test('bad host.json values are refused with their path', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'host-json-'));
  try {
    const file = path.join(dir, 'host.json');
    writeFileSync(file, JSON.stringify({ extensions: { serviceBus: { maxConcurrentSessions: 0, sessionIdleTimeout: '5s' } } }));
    assert.throws(
      () => readServiceBusHostOptions(file, {}),
      /extensions\.serviceBus\.maxConcurrentSessions must be a positive whole number, got 0/,
    );
    writeFileSync(file, JSON.stringify({ extensions: { serviceBus: { maxMessageBatchSize: 2.5 } } }));
    assert.throws(
      () => readServiceBusHostOptions(file, {}),
      /extensions\.serviceBus\.maxMessageBatchSize must be a positive whole number, got 2\.5/,
    );
    writeFileSync(file, JSON.stringify({ extensions: { serviceBus: { sessionIdleTimeout: '5s' } } }));
    assert.throws(
      () => readServiceBusHostOptions(file, {}),
      /extensions\.serviceBus\.sessionIdleTimeout must be a time span such as "00:00:05", got "5s"/,
    );
    // Without host.json settings, the host's defaults.
    writeFileSync(file, '{}');
    assert.equal(readServiceBusHostOptions(file, {}).maxConcurrentSessions, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a minMessageBatchSize above 1 is warned about (the local host does not wait to fill batches); the default is not', () => {
  assert.equal(batchSettingsWarning(readServiceBusHostOptions(projectHostJson, {})), undefined);
  const waiting = readServiceBusHostOptions(projectHostJson, { AzureFunctionsJobHost__extensions__serviceBus__minMessageBatchSize: '50' });
  assert.match(batchSettingsWarning(waiting) ?? '', /minMessageBatchSize is 50: the local host does not wait to fill a batch/);
});
