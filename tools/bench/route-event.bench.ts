import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadBots } from '../../src/bots/load-bots.js';
import { buildEnvelope } from '../../src/envelope/build-envelope.js';
import type { JsonObject } from '../../src/envelope/event-envelope.js';
import { routeEvent } from '../../src/routing/route-event.js';
import type { Benchmark } from './benchmark.js';

// A real pull_request.opened (≈ 20 KB of JSON) to the five shipped bots: every one takes it.
const definitions = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as { name: string; examples: JsonObject[] }[];
const payload = definitions.find((d) => d.name === 'pull_request')!.examples.find((p) => p['action'] === 'opened')!;
const body = JSON.stringify(payload);
const registry = loadBots();
const receivedAt = new Date();

const build = () =>
  buildEnvelope({
    eventType: 'pull_request',
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    payload,
    receivedAt,
    contentType: 'application/json',
    hookId: '123456',
    targetType: 'repository',
    targetId: '1296269',
    userAgent: 'GitHub-Hookshot/044aadd',
  });
const envelope = build();

if (routeEvent(envelope, registry).length !== 5) throw new Error('the benchmark expects pull_request.opened to reach all five bots');

export const benchmarks: Benchmark[] = [
  { name: 'buildEnvelope(pull_request.opened)', run: build },
  { name: 'routeEvent(pull_request.opened → 5 bots)', run: () => routeEvent(envelope, registry) },
  { name: 'buildEnvelope + routeEvent (pull_request.opened → 5 bots)', run: () => routeEvent(build(), registry) },
  { name: `reference: JSON.parse of the ${Math.round(body.length / 1024)} KB body`, run: (): unknown => JSON.parse(body) },
];
