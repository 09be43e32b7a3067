import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { enableHttpStream } from '../../../src/app/enable-http-stream.js';

test('the webhook entry file turns on HTTP streams, so the body limit holds in Azure', () => {
  const calls: unknown[] = [];
  enableHttpStream((options) => void calls.push(options));
  assert.deepEqual(calls, [{ enableHttpStream: true }]);
  // dist/test/unit/app → the compiled entry file the host loads (package.json main).
  const entry = readFileSync(new URL('../../../src/functions/github-webhook.js', import.meta.url), 'utf8');
  assert.match(entry, /enableHttpStream\(\);/);
});
