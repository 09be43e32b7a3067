import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drainTimeoutFrom } from '../../../tools/local-host/local-host.js';

test('LOCAL_DRAIN_TIMEOUT_MS: 30 s by default, 0 means do not wait, anything else but milliseconds is refused by name', () => {
  assert.equal(drainTimeoutFrom(undefined), 30_000);
  assert.equal(drainTimeoutFrom(''), 30_000);
  assert.equal(drainTimeoutFrom('5000'), 5_000);
  assert.equal(drainTimeoutFrom('0'), 0);
  for (const bad of ['abc', '5s', '-1', '1.5']) {
    assert.throws(
      () => drainTimeoutFrom(bad),
      new RegExp(`^Error: LOCAL_DRAIN_TIMEOUT_MS must be .*got "${bad.replace('.', '\\.')}"`),
      bad,
    );
  }
});
