import azureFunctions from '@azure/functions';
import { sign } from '@octokit/webhooks-methods';
import { benchRequest, benchWebhookHandler, SECRET } from './compare/ingress-cpu.js';
import { benchPayload, PAYLOAD_SIZES, type PayloadSize } from './compare/padded-payloads.js';
import { median } from './compare/statistics.js';

const { InvocationContext } = azureFunctions;
const BATCH = 100;

/**
 * Loops the app's webhook handler without I/O (the same stand-ins and payloads as `npm run bench`
 * part (a)) so a CPU profile shows only per-request work:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/tools/bench/profile-ingress.js [size=2k] [iterations=10000]
 *
 * then open the .cpuprofile in Chrome DevTools (Performance) or VS Code. Without --cpu-prof: prints
 * the median CPU µs per webhook of five runs, to compare a change before and after.
 */
const size = (process.argv[2] ?? '2k') as PayloadSize;
if (!PAYLOAD_SIZES.includes(size)) throw new Error(`size must be one of ${PAYLOAD_SIZES.join(', ')}, got "${size}"`);
const iterations = Number(process.argv[3] ?? 10_000);
if (!Number.isSafeInteger(iterations) || iterations <= 0)
  throw new Error(`iterations must be a positive whole number, got "${process.argv[3]}"`);

const payload = benchPayload(size);
const signature = await sign(SECRET, payload.body.toString('utf8'));
const { app, handler } = benchWebhookHandler();
const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });
try {
  // Warm-up: optimised code, not the first calls, is what the profile should show.
  for (let i = 0; i < Math.min(iterations, 2_000); i++) await handler(benchRequest(payload, signature), context);
  // Requests built in small batches outside the clock (few live at once, so little of their
  // garbage is collected inside it); five runs, the median printed.
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    let cpu = 0;
    for (let done = 0; done < iterations; done += BATCH) {
      const requests = Array.from({ length: Math.min(BATCH, iterations - done) }, () => benchRequest(payload, signature));
      const before = process.cpuUsage();
      for (const request of requests) {
        const response = await handler(request, context);
        if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.jsonBody)}`);
      }
      const used = process.cpuUsage(before);
      cpu += used.user + used.system;
    }
    runs.push(cpu / iterations);
  }
  console.log(
    `${size} (${payload.description}): ${median(runs).toFixed(1)} µs CPU per webhook, median of 5 runs of ${iterations} (${runs.map((r) => r.toFixed(1)).join(' ')})`,
  );
} finally {
  await app.close();
}
