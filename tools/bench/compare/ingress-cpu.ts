import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import azureFunctions from '@azure/functions';
import { Webhooks } from '@octokit/webhooks';
import { sign } from '@octokit/webhooks-methods';
import { createApp, type App } from '../../../src/app/create-app.js';
import { createWebhookHandler, type WebhookHandler } from '../../../src/ingress/create-webhook-handler.js';
import { recordingClaimCheck, recordingDispatcher } from '../../../test/support/webhook-harness.js';
import { benchPayload, deliveryHeaders, PAYLOAD_SIZES, SECRET, type BenchPayload, type PayloadSize } from './padded-payloads.js';
import { median } from './statistics.js';

const { HttpRequest, InvocationContext } = azureFunctions;
export { SECRET };

/**
 * One webhook, from the bytes and headers as they arrived to the 202, with no I/O. All three start
 * from the same Buffer and headers and end at an accepted, parsed event:
 * - floor: HMAC-SHA256 over the bytes, constant-time compare, JSON.parse, a 202 response object;
 * - peer: @octokit/webhooks `verifyAndReceive` (its API takes the body as a string: the decode is its cost);
 * - app: createApp's webhook handler on an HttpRequest built from the bytes (before the clock
 *   starts: the Functions worker builds it, not the app), its Service Bus send,
 *   claim-check Blob write and replay-guard Table insert replaced by stand-ins that do nothing.
 */
export type Contender = 'floor' | 'peer' | 'app';
export const CONTENDERS: readonly Contender[] = ['floor', 'peer', 'app'];

export interface IngressResult {
  size: PayloadSize;
  description: string;
  bytes: number;
  /** CPU µs per webhook, median over rounds. */
  cpuUs: Record<Contender, number>;
  vsFloor: number;
  vsPeer: number;
  peerVsFloor: number;
}

export async function measureIngressCpu(options: { quick: boolean; rounds: number }): Promise<IngressResult[]> {
  const { app, handler: appHandler } = benchWebhookHandler();
  const webhooks = new Webhooks({ secret: SECRET });
  let received = 0;
  webhooks.onAny(() => void received++);
  const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });

  const results: IngressResult[] = [];
  try {
    for (const size of PAYLOAD_SIZES) {
      const payload = benchPayload(size);
      const signature = await sign(SECRET, payload.body.toString('utf8'));
      const run = runnerFor(payload, signature, appHandler, webhooks, context);
      const iterations = iterationsFor(payload.body.byteLength, options.quick);
      // Warm-up, untimed: a failure shows before timing, and each contender runs optimised code, as a
      // server that has been up for a while does (one call left the app's first rounds ~2x slower).
      for (const contender of CONTENDERS) {
        const prepared = run.prepare(contender, iterations);
        for (let i = 0; i < iterations; i++) await run(contender, prepared[i]);
      }
      const perRound: Record<Contender, number[]> = { floor: [], peer: [], app: [] };
      for (let round = 0; round < options.rounds; round++) {
        // Interleaved, in a different order each round, so drift on a busy machine hits all three.
        for (const contender of rotate(CONTENDERS, round)) {
          const prepared = run.prepare(contender, iterations);
          globalThis.gc?.();
          const before = process.cpuUsage();
          for (let i = 0; i < iterations; i++) await run(contender, prepared[i]);
          const used = process.cpuUsage(before);
          perRound[contender].push((used.user + used.system) / iterations);
        }
      }
      results.push(summarise(payload, perRound));
    }
  } finally {
    await app.close();
  }
  if (received === 0) throw new Error('@octokit/webhooks received nothing: the peer did not run');
  return results;
}

/**
 * createApp's webhook handler as the bench runs it: the app's settings, bots and telemetry, with
 * its Service Bus send, claim-check Blob write and replay-guard Table insert replaced by stand-ins
 * that do nothing. `app.close()` when done.
 */
export function benchWebhookHandler(): { app: App; handler: WebhookHandler } {
  const app = createApp({
    env: {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      // Nothing listens here: the stand-ins below replace every use of it.
      ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
      GITHUB_WEBHOOK_SECRET: SECRET,
    },
  });
  const handler: WebhookHandler = createWebhookHandler({
    ...app.webhook,
    dispatcher: recordingDispatcher(async () => undefined, { keep: false }).dispatcher,
    claimCheck: {
      // Keeps nothing: a 10 MB payload would otherwise stay in memory for every iteration.
      store: async (deliveryId, payload) => ({
        ...(await recordingClaimCheck().claimCheck.store(deliveryId, Buffer.alloc(0))),
        size: payload.byteLength,
      }),
    },
    // The Table round trip replaced too (nothing listens on Azurite's port here; a real guard would
    // wait out its retries): every body is new. The handler still hashes the body for it.
    replayGuard: { claim: async () => ({ kind: 'new', release: async () => undefined }) },
  });
  return { app, handler };
}

function runnerFor(
  payload: BenchPayload,
  signature: string,
  appHandler: WebhookHandler,
  webhooks: Webhooks,
  context: InstanceType<typeof InvocationContext>,
): Runner {
  const expected = Buffer.from(signature);
  const run = async (contender: Contender, request: InstanceType<typeof HttpRequest> | undefined) => {
    const deliveryId = randomUUID();
    switch (contender) {
      case 'floor': {
        const digest = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(payload.body).digest('hex')}`);
        if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) throw new Error('floor: bad signature');
        const event = JSON.parse(payload.body.toString('utf8')) as unknown;
        return { status: 202, jsonBody: { deliveryId, accepted: event !== null } };
      }
      case 'peer':
        return webhooks.verifyAndReceive({
          id: deliveryId,
          name: payload.eventType,
          payload: payload.body.toString('utf8'),
          signature,
        });
      case 'app': {
        const response = await appHandler(request!, context);
        if (response.status !== 202) throw new Error(`app: expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
        return response;
      }
    }
  };
  // The HttpRequest is what the Functions worker hands the app (in Azure it builds it from the
  // host's request; the floor's bytes and headers have no such object to build): made before the
  // clock starts, one per call (its body stream is read once).
  const prepare = (contender: Contender, count: number) =>
    contender !== 'app' ? [] : Array.from({ length: count }, () => benchRequest(payload, signature));
  return Object.assign(run, { prepare });
}

type Runner = ((contender: Contender, request: InstanceType<typeof HttpRequest> | undefined) => Promise<unknown>) & {
  prepare(contender: Contender, count: number): InstanceType<typeof HttpRequest>[];
};

/** Medians of the rounds' CPU µs per webhook, and of their ratios taken round by round. */
export function summarise(payload: BenchPayload, perRound: Record<Contender, number[]>): IngressResult {
  const ratio = (a: Contender, b: Contender) => median(perRound[a].map((value, i) => value / perRound[b][i]!));
  return {
    size: payload.size,
    description: payload.description,
    bytes: payload.body.byteLength,
    cpuUs: { floor: median(perRound.floor), peer: median(perRound.peer), app: median(perRound.app) },
    vsFloor: ratio('app', 'floor'),
    vsPeer: ratio('app', 'peer'),
    peerVsFloor: ratio('peer', 'floor'),
  };
}

/** About 0.2 s (quick: 0.03 s) of floor work per contender and round at each size. */
export function iterationsFor(bytes: number, quick: boolean): number {
  const budget = quick ? 20e6 : 200e6;
  return Math.max(quick ? 1 : 3, Math.min(quick ? 200 : 2_000, Math.round(budget / Math.max(bytes, 1) / 4)));
}

export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** The HttpRequest the Functions worker would hand the app for one delivery of `payload`. */
export function benchRequest(payload: BenchPayload, signature: string): InstanceType<typeof HttpRequest> {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/github/webhooks',
    headers: deliveryHeaders(payload, signature),
    body: { bytes: payload.body },
  });
}
