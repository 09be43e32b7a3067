import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import azureFunctions from '@azure/functions';
import fc from 'fast-check';
import type { JsonObject } from '../../src/envelope/event-envelope.js';
import type { Dispatcher } from '../../src/transport/dispatcher.js';
import { allExamplePayloads } from '../support/example-payloads.js';
import { uploadLazily, webhookOverHttp, rawRequest } from '../support/webhook-over-http.js';
import { CURRENT_SECRET, PREVIOUS_SECRET, webhookHarness } from '../support/webhook-harness.js';

const { HttpRequest } = azureFunctions;

/**
 * Hostile input, generated: ~20,000 requests straight into the exported handler, then the
 * local http host with malformed hosts, foreign origins and oversized uploads. Asserts what a
 * front door owes whatever it is sent: never a 5xx for bad input, nothing routed that was not
 * signed with a configured secret, and memory back near where it started.
 */
const RUNS = 20_000;
const MB = 1024 * 1024;

const examples = allExamplePayloads().filter(({ payload }) => JSON.stringify(payload).length < 64 * 1024);
const EVENTS = [...new Set(examples.map((e) => e.eventType))];

type Signing = 'current' | 'previous' | 'wrong-secret' | 'over-text-only' | 'malformed' | 'missing';

interface Generated {
  eventType: string;
  deliveryId: string;
  contentType: string | undefined;
  body: Buffer;
  signing: Signing;
  dropHeader: 'none' | 'x-github-event' | 'x-github-delivery';
}

const ascii = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
const deep = fc
  .integer({ min: 300, max: 30_000 })
  .map((depth) => Buffer.from(`{"action":"opened","x":${'['.repeat(depth)}${']'.repeat(depth)}}`));
const example = fc.constantFrom(...examples).map(({ payload }) => payload);
const jsonBody = fc.oneof(
  example.map((payload) => Buffer.from(JSON.stringify(payload))),
  example.map((payload) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(payload))])),
  fc.json({ maxDepth: 6 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  deep,
  fc.constant(Buffer.alloc(0)),
  example.map((payload: JsonObject) => Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())),
  ascii(200).map((text) => Buffer.from(`payload=${text}`)),
);

const generated: fc.Arbitrary<Generated> = fc.record({
  eventType: fc.oneof({ arbitrary: fc.constantFrom(...EVENTS), weight: 6 }, { arbitrary: ascii(40), weight: 1 }),
  deliveryId: fc.oneof({ arbitrary: fc.uuid(), weight: 6 }, { arbitrary: ascii(140), weight: 1 }),
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded'), weight: 6 },
    { arbitrary: fc.option(ascii(60), { nil: undefined }), weight: 1 },
  ),
  body: fc.oneof(
    { arbitrary: example.map((payload) => Buffer.from(JSON.stringify(payload))), weight: 3 },
    { arbitrary: jsonBody, weight: 4 },
  ),
  signing: fc.constantFrom<Signing>('current', 'current', 'previous', 'wrong-secret', 'over-text-only', 'malformed', 'missing'),
  dropHeader: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'x-github-event', 'x-github-delivery'),
});

function signatureFor(input: Generated): string | undefined {
  const hmac = (secret: string, bytes: Buffer | string) => `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;
  switch (input.signing) {
    case 'current':
      return hmac(CURRENT_SECRET, input.body);
    case 'previous':
      return hmac(PREVIOUS_SECRET, input.body);
    case 'wrong-secret':
      return hmac('not-the-secret', input.body);
    case 'over-text-only':
      return hmac(CURRENT_SECRET, new TextDecoder().decode(input.body));
    case 'malformed':
      return 'sha256=zz';
    case 'missing':
      return undefined;
  }
}

function isLegalHeaderValue(value: string): boolean {
  try {
    new Headers({ x: value });
    return true;
  } catch {
    return false;
  }
}

test(`fuzz: ${RUNS} generated requests into the handler: no 5xx, nothing unsigned routed`, async () => {
  const routed: string[] = [];
  const dispatcher: Dispatcher = {
    reserve: () => ({ dispatch: async (envelope) => void routed.push(envelope.eventId), release() {} }),
    async close() {},
  };
  const harness = webhookHarness({ dispatcher });
  const signedIds = new Set<string>();
  const statuses = new Map<number, number>();
  const result = await fc.check(
    fc.asyncProperty(generated, async (input) => {
      const signature = signatureFor(input);
      const headers: Record<string, string> = {};
      const set = (name: string, value: string | undefined) => {
        if (value !== undefined && isLegalHeaderValue(value) && input.dropHeader !== name) headers[name] = value;
      };
      set('x-github-event', input.eventType);
      set('x-github-delivery', input.deliveryId);
      set('content-type', input.contentType);
      set('x-hub-signature-256', signature);
      const request = new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/github/webhooks',
        headers,
        body: { bytes: input.body },
      });
      // Verifies by construction: an HMAC with a configured secret over exactly the bytes sent.
      const reallySigned =
        headers['x-hub-signature-256'] !== undefined &&
        (input.signing === 'current' ||
          input.signing === 'previous' ||
          (input.signing === 'over-text-only' && Buffer.from(new TextDecoder().decode(input.body)).equals(input.body)));
      if (reallySigned) signedIds.add(headers['x-github-delivery'] ?? '');
      const { status, body } = await harness.call(request);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      assert.ok(status < 500, `${status} ${JSON.stringify(body)} for ${input.signing} ${input.contentType} ${input.body.byteLength} bytes`);
      if (!reallySigned)
        assert.ok(status === 400 || status === 401 || status === 413 || status === 415, `unsigned input answered ${status}`);
    }),
    { numRuns: RUNS, seed: 11, endOnFailure: true },
  );
  console.log(
    `# status mix over ${RUNS}: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; routed ${routed.length}`,
  );
  if (result.failed) {
    // A short account of the first failure: the generated body can be megabytes.
    const [input] = result.counterexample ?? [];
    const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    assert.fail(
      `after ${result.numRuns} runs: ${error.slice(0, 400)} (event ${input?.eventType}, ${input?.signing}, ${input?.contentType}, body ${input?.body.byteLength} bytes starting ${JSON.stringify(input?.body.subarray(0, 60).toString('latin1'))})`,
    );
  }
  const unsigned = routed.filter((id) => !signedIds.has(id));
  assert.deepEqual(
    unsigned,
    [],
    `routed ${unsigned.length} deliveries that were never signed with a configured secret over the bytes sent`,
  );
});

test('fuzz: the local http host with hostile transport (bad Host, foreign Origin, oversized uploads at once): no 5xx, RSS back near its start', async () => {
  const { host, routed } = await webhookOverHttp();
  try {
    global.gc?.();
    const startRss = process.memoryUsage().rss;
    let peakRss = startRss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const hostile = fc.sample(fc.record({ host: ascii(30), origin: fc.option(ascii(40), { nil: undefined }), body: ascii(100) }), {
      numRuns: 300,
      seed: 11,
    });
    for (const { host: hostHeader, origin, body } of hostile) {
      const headers = [
        `Host: ${hostHeader}`,
        ...(origin === undefined ? [] : [`Origin: ${origin}`]),
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
      ];
      const status = await rawRequest(host.port, `POST /api/github/webhooks HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`);
      assert.ok(status >= 400 && status < 500, `Host ${JSON.stringify(hostHeader)} Origin ${JSON.stringify(origin)}: ${status}`);
    }
    // Four 60 MB chunked uploads at once against the 25 MB limit: each refused near the limit.
    const uploads = await Promise.all(Array.from({ length: 4 }, () => uploadLazily(host.baseUrl, { total: 60 * MB })));
    clearInterval(sample);
    for (const upload of uploads) {
      assert.equal(upload.status, 413);
      assert.ok(upload.produced < 35 * MB, `produced ${upload.produced} before the 413`);
    }
    assert.equal(routed(), 0);
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const endRss = process.memoryUsage().rss;
    console.log(`# rss start ${Math.round(startRss / MB)} MB, peak ${Math.round(peakRss / MB)} MB, end ${Math.round(endRss / MB)} MB`);
    assert.ok(endRss - startRss < 256 * MB, `RSS grew from ${Math.round(startRss / MB)} to ${Math.round(endRss / MB)} MB`);
  } finally {
    await host.close();
  }
});
