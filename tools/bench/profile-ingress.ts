import azureFunctions from '@azure/functions';
import { sign } from '@octokit/webhooks-methods';
import { benchRequest, benchWebhookHandler, SECRET } from './compare/ingress-cpu.js';
import { benchPayload, PAYLOAD_SIZES, type PayloadSize } from './compare/padded-payloads.js';

const { InvocationContext } = azureFunctions;

/**
 * Loops the app's webhook handler without I/O (the same stand-ins and payloads as `npm run bench`
 * part (a)) so a CPU profile shows only per-request work:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/tools/bench/profile-ingress.js [size=2k] [iterations=20000]
 *
 * then open the .cpuprofile in Chrome DevTools (Performance) or VS Code. Prints CPU µs per webhook.
 */
const size = (process.argv[2] ?? '2k') as PayloadSize;
if (!PAYLOAD_SIZES.includes(size)) throw new Error(`size must be one of ${PAYLOAD_SIZES.join(', ')}, got "${size}"`);
const iterations = Number(process.argv[3] ?? 20_000);
if (!Number.isSafeInteger(iterations) || iterations <= 0) throw new Error(`iterations must be a positive whole number, got "${process.argv[3]}"`);

const payload = benchPayload(size);
const signature = await sign(SECRET, payload.body.toString('utf8'));
const { app, handler } = benchWebhookHandler();
const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });
try {
  // Warm-up: optimised code, not the first calls, is what the profile should show.
  for (let i = 0; i < Math.min(iterations, 2_000); i++) await handler(benchRequest(payload, signature), context);
  const requests = Array.from({ length: iterations }, () => benchRequest(payload, signature));
  const before = process.cpuUsage();
  for (const request of requests) {
    const response = await handler(request, context);
    if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
  }
  const used = process.cpuUsage(before);
  console.log(`${size} (${payload.description}): ${((used.user + used.system) / iterations).toFixed(1)} µs CPU per webhook over ${iterations}`);
} finally {
  await app.close();
}
