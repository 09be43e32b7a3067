import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGED_HOST_JSON, readFunctionTimeoutMs } from '../../../src/config/read-function-timeout.js';

test('functionTimeout comes from host.json, the host environment override wins, none means the Flex Consumption default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-json-'));
  try {
    const hostJson = (content: object) => {
      const file = join(dir, 'host.json');
      writeFileSync(file, JSON.stringify(content));
      return file;
    };
    assert.equal(readFunctionTimeoutMs(hostJson({ functionTimeout: '00:10:00' }), {}), 600_000);
    assert.equal(
      readFunctionTimeoutMs(hostJson({ functionTimeout: '00:10:00' }), { AzureFunctionsJobHost__functionTimeout: '00:02:00' }),
      120_000,
    );
    assert.equal(readFunctionTimeoutMs(hostJson({}), {}), 30 * 60_000);
    assert.equal(readFunctionTimeoutMs(hostJson({ functionTimeout: '-1' }), {}), Infinity);
    assert.throws(
      () => readFunctionTimeoutMs(hostJson({ functionTimeout: '5m' }), {}),
      /host\.json functionTimeout must be a time span such as "00:05:00".*"5m"/,
    );
    assert.throws(() => readFunctionTimeoutMs(join(dir, 'missing.json'), {}), /Cannot read .*missing\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The path the deployed app reads is the package's own host.json.
  assert.equal(readFunctionTimeoutMs(PACKAGED_HOST_JSON, {}), 5 * 60_000);
});
