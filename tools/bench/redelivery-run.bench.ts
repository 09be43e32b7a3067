import { readSettings } from '../../src/config/settings.js';
import { createGitHubClient } from '../../src/redelivery/create-github-client.js';
import type { HookDelivery } from '../../src/redelivery/hook-delivery.js';
import { planRedeliveries } from '../../src/redelivery/plan-redeliveries.js';
import { readRedeliveryConfig } from '../../src/redelivery/read-redelivery-config.js';
import { runRedelivery } from '../../src/redelivery/run-redelivery.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { newGuid, startFakeGitHub, type FakeGitHub } from '../../test/support/fake-github.js';
import type { Benchmark } from './benchmark.js';

// The redelivery timer's cost per run, which grows with the deliveries in the look-back (it adds
// nothing per message): 3000 deliveries (30 pages of 100) listed from a local fake GitHub with the
// real Octokit client and app JWT, every one delivered (nothing to redeliver); and the planning alone.
const DELIVERIES = 3000;
const now = new Date();
const listed: HookDelivery[] = Array.from({ length: DELIVERIES }, (_, i) => ({
  id: i + 1,
  guid: newGuid(),
  delivered_at: new Date(now.getTime() - i * 1000).toISOString(),
  redelivery: i % 10 === 1,
  status: i % 7 === 0 ? 'Invalid HTTP Response: 503' : 'OK',
  status_code: i % 7 === 0 ? 503 : 202,
  event: 'pull_request',
  action: 'synchronize',
}));

let github: FakeGitHub | undefined;
let run: (() => Promise<unknown>) | undefined;

export const benchmarks: Benchmark[] = [
  { name: `planRedeliveries(${DELIVERIES} deliveries)`, run: () => planRedeliveries(listed, { now, cooldownMs: 300_000 }) },
  {
    name: `redelivery run: list ${DELIVERIES} deliveries (${DELIVERIES / 100} pages, app JWT) from a local fake GitHub, nothing due`,
    measureMs: 5_000,
    async setup() {
      github = await startFakeGitHub();
      for (let i = 0; i < DELIVERIES; i++) github.record({ guid: newGuid(), event: 'issues', status_code: 202 });
      const config = readRedeliveryConfig(
        readSettings({ GITHUB_API_URL: github.apiUrl, GITHUB_APP_ID: String(github.appId), GITHUB_APP_PRIVATE_KEY: github.privateKey }),
      )!;
      const client = createGitHubClient(config);
      const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
      run = () =>
        runRedelivery({
          client,
          hook: config.hook,
          lookbackMs: config.lookbackMs,
          cooldownMs: config.cooldownMs,
          telemetry: noTelemetry,
          now: () => new Date(),
          requested: new Map(),
          log,
        });
    },
    run: () => run!(),
    async teardown() {
      await github?.close();
    },
  },
];
