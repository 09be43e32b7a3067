import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeployRefusal } from '../../../tools/scripts/deploy/az.js';
import { publishRetryDelaysMs, publishWithRetry } from '../../../tools/scripts/deploy/publish-with-retry.js';
import { withFakeAz } from '../../support/fake-az.js';

const publishArgs = [
  'functionapp',
  'deployment',
  'source',
  'config-zip',
  '--resource-group',
  'rg-bots',
  '--name',
  'func-x',
  '--src',
  '/tmp/app.zip',
];

/** A fake az (bash builtins only: PATH holds nothing else) whose config-zip answers 403 for the first `refusals` calls, then succeeds. */
const forbiddenThenOk = (refusals: number) => `  "functionapp deployment source config-zip "*)
    f="\${0%/az}/count"; n=0; [ -f "$f" ] && read -r n < "$f"; echo $((n+1)) > "$f"
    if [ "$n" -lt ${refusals} ]; then echo "ERROR: Status Code: 403, Forbidden. AuthorizationPermissionMismatch" >&2; exit 1; fi ;;`;

/** Runs `body` with the fake az first on PATH, as the deploy script would find it. */
async function withAzOnPath<T>(script: string, body: (calls: () => Promise<string[]>) => Promise<T>): Promise<T> {
  return withFakeAz(script, async (fake) => {
    const path = process.env.PATH;
    process.env.PATH = fake.dir;
    try {
      return await body(fake.calls);
    } finally {
      process.env.PATH = path;
    }
  });
}

test('a publish refused with 403 while role assignments propagate is tried again, with growing waits, until it succeeds', async () => {
  const waits: number[] = [];
  const lines: string[] = [];
  await withAzOnPath(forbiddenThenOk(2), async (calls) => {
    await publishWithRetry(publishArgs, { wait: async (ms) => void waits.push(ms), log: (line) => lines.push(line) });
    assert.equal((await calls()).length, 3, 'two refusals, then the publish that succeeds');
  });
  assert.deepEqual(waits, publishRetryDelaysMs.slice(0, 2));
  assert.match(lines[0]!, /publish refused with 403 \(attempt 1\).*trying again in 15 s/);
});

test('the retries are bounded: a publish still refused after the last wait fails with what to do', async () => {
  const waits: number[] = [];
  await withAzOnPath(forbiddenThenOk(100), async (calls) => {
    await assert.rejects(
      publishWithRetry(publishArgs, { delaysMs: [1, 2, 3], wait: async (ms) => void waits.push(ms) }),
      (error: unknown) =>
        error instanceof DeployRefusal &&
        /still refused \(403\) after 4 attempts[\s\S]*run `npm run deploy` again[\s\S]*AuthorizationPermissionMismatch/.test(error.message),
    );
    assert.equal((await calls()).length, 4);
  });
  assert.deepEqual(waits, [1, 2, 3]);
  // The default bound, about ten minutes in all.
  assert.equal(
    publishRetryDelaysMs.reduce((sum, ms) => sum + ms, 0),
    585_000,
  );
});

test('any other publish failure is not retried', async () => {
  await withAzOnPath(`  "functionapp deployment source config-zip "*) echo "ERROR: Zip file is invalid" >&2; exit 1 ;;`, async (calls) => {
    await assert.rejects(
      publishWithRetry(publishArgs, { wait: async () => assert.fail('no wait for a non-authorization failure') }),
      (error: unknown) =>
        error instanceof DeployRefusal && /publishing the package failed .*exited 1\):\nERROR: Zip file is invalid/.test(error.message),
    );
    assert.equal((await calls()).length, 1);
  });
});
