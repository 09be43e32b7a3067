import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { readSettings } from '../../../src/config/settings.js';
import { createGitHubClient } from '../../../src/redelivery/create-github-client.js';
import { readRedeliveryConfig, type RedeliveryConfig } from '../../../src/redelivery/read-redelivery-config.js';
import { defineRedeliveryFunction } from '../../../src/redelivery/redelivery-function.js';
import { runRedelivery, type RedeliveryRunDeps } from '../../../src/redelivery/run-redelivery.js';
import { newGuid, startFakeGitHub, type FakeGitHub, type StoredRequest } from '../../support/fake-github.js';
import { quietContext, timerTick } from '../../support/functions-context.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

// GitHub's redelivery endpoints against a local server in GitHub's documented shapes; the
// client is the real Octokit one (app JWT from @octokit/auth-app, paging through Link headers).

let webhook: Server;
let webhookUrl: string;
let webhookStatus = 202;
before(async () => {
  webhook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(webhookStatus).end());
  }).listen(0, '127.0.0.1');
  await once(webhook, 'listening');
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/api/github/webhooks`;
});
after(async () => {
  webhook.closeAllConnections();
  webhook.close();
});

const HOUR = 3_600_000;

function appConfig(github: FakeGitHub, env: Record<string, string> = {}): RedeliveryConfig {
  const config = readRedeliveryConfig(
    readSettings({
      GITHUB_API_URL: github.apiUrl,
      GITHUB_APP_ID: String(github.appId),
      GITHUB_APP_PRIVATE_KEY: github.privateKey,
      REDELIVERY_COOLDOWN: 'PT0S',
      ...env,
    }),
  );
  assert.ok(config, 'app credentials turn redelivery on');
  return config;
}

function run(github: FakeGitHub, overrides: Partial<RedeliveryRunDeps> = {}, config = appConfig(github)) {
  const telemetry = recordingTelemetry();
  const logs: string[] = [];
  const deps: RedeliveryRunDeps = {
    client: createGitHubClient(config),
    hook: config.hook,
    lookbackMs: config.lookbackMs,
    cooldownMs: config.cooldownMs,
    telemetry,
    now: () => new Date(),
    requested: new Map(),
    log: { info: (l) => logs.push(l), warn: (l) => logs.push(l), error: (l) => logs.push(l) },
    ...overrides,
  };
  return { deps, telemetry, logs, result: () => runRedelivery(deps) };
}

const stored = (guid: string, event = 'issues', action = 'opened'): StoredRequest => ({
  headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': guid, 'x-hub-signature-256': 'sha256=00' },
  body: JSON.stringify({ action }),
});

async function withGitHub(body: (github: FakeGitHub) => Promise<void>, options: { token?: string } = {}) {
  const github = await startFakeGitHub({ webhookUrl, ...options });
  try {
    await body(github);
  } finally {
    await github.close();
  }
}

test('a guid that never got a 2xx is redelivered once, through its latest failed attempt; a delivered one is left alone', () =>
  withGitHub(async (github) => {
    const failed = newGuid();
    github.record({ guid: failed, event: 'issues', action: 'opened', status_code: 503 }, stored(failed));
    const latest = github.record({ guid: failed, event: 'issues', action: 'opened', status_code: 0, redelivery: true }, stored(failed));
    const ok = newGuid();
    github.record({ guid: ok, event: 'push', status_code: 202 }, stored(ok, 'push'));

    const { result, telemetry } = run(github);
    const summary = await result();
    assert.deepEqual(github.attempts, [latest.id], 'one POST …/attempts, for the latest failed attempt');
    assert.equal(summary.requested, 1);
    assert.equal(summary.succeeded, 1);
    assert.equal(summary.guids, 2);
    assert.ok(
      github.requests.every((r) => r.refused === undefined),
      'every /app request carried a valid app JWT',
    );

    const [event] = telemetry.events;
    assert.equal(event?.name, 'WebhookRedeliveryRequested');
    assert.equal(event?.properties['guid'], failed);
    assert.equal(event?.properties['event'], 'issues');
    assert.equal(event?.properties['action'], 'opened');
    assert.equal(event?.properties['lastStatusCode'], 0);
    assert.equal(typeof event?.properties['ageSeconds'], 'number');

    // GitHub redelivers; the webhook answers 202: the next run has nothing left to do.
    await github.idle();
    const again = await run(github).result();
    assert.equal(again.requested, 0);
    assert.deepEqual(github.attempts, [latest.id]);
  }));

test('a guid whose later redelivery succeeded is skipped', () =>
  withGitHub(async (github) => {
    const guid = newGuid();
    github.record({ guid, event: 'pull_request', action: 'opened', status_code: 503 }, stored(guid));
    github.record({ guid, event: 'pull_request', action: 'opened', status_code: 202, redelivery: true }, stored(guid));
    const summary = await run(github).result();
    assert.deepEqual(github.attempts, []);
    assert.equal(summary.succeeded, 1);
  }));

test('deliveries older than the look-back are not listed further nor redelivered', () =>
  withGitHub(async (github) => {
    for (let i = 0; i < 150; i++) {
      github.record({ guid: newGuid(), event: 'issues', status_code: 503, delivered_at: new Date(Date.now() - 5 * HOUR).toISOString() });
    }
    const recent = newGuid();
    github.record({ guid: recent, event: 'issues', status_code: 503 }, stored(recent));
    const config = appConfig(github, { REDELIVERY_LOOKBACK: 'PT1H' });
    const summary = await run(github, {}, config).result();
    assert.equal(summary.guids, 1);
    assert.equal(github.attempts.length, 1);
    assert.equal(summary.pages, 1, 'the first page already reached past the look-back: no second page');
    assert.equal(github.requests.filter((r) => r.method === 'GET').length, 1);
  }));

test('every page is read through the Link cursor (per_page 100), and the per-run cap defers the rest, oldest first', () =>
  withGitHub(async (github) => {
    const guids: string[] = [];
    for (let i = 0; i < 250; i++) {
      const guid = newGuid();
      guids.push(guid);
      github.record(
        { guid, event: 'issues', status_code: 503, delivered_at: new Date(Date.now() - (250 - i) * 1000).toISOString() },
        stored(guid),
      );
    }
    const { result, telemetry } = run(github, { maxRequests: 20 });
    const summary = await result();
    const gets = github.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    assert.equal(gets.length, 3);
    assert.match(gets[0]!, /^\/app\/hook\/deliveries\?per_page=100$/);
    assert.match(gets[1]!, /cursor=v1_\d+/);
    assert.equal(summary.deliveries, 250);
    assert.equal(summary.requested, 20);
    assert.equal(summary.deferred, 230);
    assert.deepEqual(
      telemetry.events.map((e) => e.properties['guid']),
      guids.slice(0, 20),
      'oldest first',
    );
  }));

test('a rate limit stops the run cleanly: no request after the refused one, the rest is due next run', () =>
  withGitHub(async (github) => {
    for (let i = 0; i < 5; i++) {
      const guid = newGuid();
      github.record({ guid, event: 'issues', status_code: 503 }, stored(guid));
    }
    github.rateLimitAfter(3); // one page, two redeliveries
    const { result, logs } = run(github);
    const summary = await result();
    assert.equal(summary.rateLimited, true);
    assert.equal(summary.requested, 2);
    assert.equal(summary.deferred, 3);
    assert.ok(summary.retryAt, 'x-ratelimit-reset is passed on');
    assert.equal(github.requests.filter((r) => r.refused === 'rate limited').length, 1, 'stopped at the first refusal');
    assert.ok(logs.some((l) => /rate limit; stopping this run/.test(l)));
  }));

test('a secondary rate limit (429 retry-after) while listing stops the run before any redelivery', () =>
  withGitHub(async (github) => {
    const guid = newGuid();
    github.record({ guid, event: 'issues', status_code: 503 }, stored(guid));
    github.rateLimitAfter(0, 'secondary');
    const summary = await run(github).result();
    assert.equal(summary.rateLimited, true);
    assert.equal(summary.requested, 0);
    assert.deepEqual(github.attempts, []);
  }));

test('a redelivery that failed again waits out its back-off (REDELIVERY_COOLDOWN, doubled per redelivery)', () =>
  withGitHub(async (github) => {
    webhookStatus = 503;
    try {
      const guid = newGuid();
      github.record(
        { guid, event: 'issues', status_code: 503, delivered_at: new Date(Date.now() - 6 * 60_000).toISOString() },
        stored(guid),
      );
      const config = appConfig(github, { REDELIVERY_COOLDOWN: 'PT5M' });
      const requested = new Map<string, Date>();
      assert.equal((await run(github, { requested }, config).result()).requested, 1, 'the original failed 6 min ago: due');
      await github.idle(); // GitHub redelivered; the webhook answered 503 again
      const soon = await run(github, { requested }, config).result();
      assert.equal(soon.requested, 0);
      assert.equal(soon.waiting, 1);
      const later = await run(github, { requested, now: () => new Date(Date.now() + 11 * 60_000) }, config).result();
      assert.equal(later.requested, 1, 'due again after 2 × PT5M');
    } finally {
      webhookStatus = 202;
    }
  }));

test('a repository hook is served with a token on /repos/{owner}/{repo}/hooks/{hook_id}', () =>
  withGitHub(
    async (github) => {
      const guid = newGuid();
      github.record({ guid, event: 'issues', status_code: 503 }, stored(guid));
      const config = readRedeliveryConfig(
        readSettings({
          GITHUB_API_URL: github.apiUrl,
          GITHUB_HOOK_TOKEN: 'ghp_fake_token',
          REDELIVERY_HOOK: 'repos/octo-org/hello-world/hooks/77',
          REDELIVERY_COOLDOWN: 'PT0S',
        }),
      )!;
      const summary = await run(github, {}, config).result();
      assert.equal(summary.requested, 1);
      assert.deepEqual(
        github.requests.map((r) => `${r.method} ${r.path}`),
        [
          'GET /repos/octo-org/hello-world/hooks/77/deliveries?per_page=100',
          `POST /repos/octo-org/hello-world/hooks/77/deliveries/${github.attempts[0]}/attempts`,
        ],
      );
    },
    { token: 'ghp_fake_token' },
  ));

test('a key GitHub does not know ends the run with an error naming the settings, never the key', () =>
  withGitHub(async (github) => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const config = appConfig(github, { GITHUB_APP_PRIVATE_KEY: otherKey });
    const telemetry = recordingTelemetry();
    const timer = defineRedeliveryFunction({ config, telemetry });
    const { context, logs } = quietContext('webhook-redelivery');
    await assert.rejects(
      () => timer.handler(timerTick(new Date()), context),
      (error: Error) => {
        assert.match(error.message, /GET \/app\/hook\/deliveries answered 401.*GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY/);
        assert.doesNotMatch(error.message, /PRIVATE KEY-----|MII/);
        return true;
      },
    );
    assert.equal(github.requests[0]?.refused, 'bad signature', "the fake checked the JWT against the app's public key");
    assert.ok(logs.every((l) => !l.message.includes('PRIVATE KEY')));
  }));

test("a delivery listing that is not in GitHub's shape is named, field by field", () =>
  withGitHub(async (github) => {
    github.record({ guid: newGuid(), event: 'issues', status_code: 503, delivered_at: 'yesterday' });
    await assert.rejects(
      () => run(github).result(),
      /page 1 item 0 is not a hook delivery as documented: delivered_at: must be an ISO 8601 time/,
    );
  }));

test('the timer function reports each run as one WebhookRedeliveryRun metric', () =>
  withGitHub(async (github) => {
    const guid = newGuid();
    github.record({ guid, event: 'issues', status_code: 503 }, stored(guid));
    const telemetry = recordingTelemetry();
    const timer = defineRedeliveryFunction({ config: appConfig(github), telemetry });
    const { context, logs } = quietContext('webhook-redelivery');
    await timer.handler(timerTick(new Date()), context);
    const [metric] = telemetry.metrics;
    assert.equal(metric?.name, 'WebhookRedeliveryRun');
    assert.equal(metric?.value, 1);
    assert.equal(metric?.properties['hook'], '/app/hook');
    assert.ok(logs.some((l) => /webhook-redelivery: requested 1/.test(l.message)));
  }));
