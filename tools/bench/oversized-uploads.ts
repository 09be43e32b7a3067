/**
 * Memory under oversized uploads: eight 90 MB chunked bodies and two with Content-Length 30 MB,
 * all at once, against the local http host and the real webhook handler (25 MB limit).
 * Prints one JSON line: the statuses, how much each client had sent when its answer came, the
 * wall time and the process RSS at start, peak and end.
 *   npm run build && node --expose-gc dist/tools/bench/oversized-uploads.js
 */
import { uploadLazily, webhookOverHttp } from '../../test/support/webhook-over-http.js';

const MB = 1024 * 1024;
const { host } = await webhookOverHttp();
globalThis.gc?.();
const start = process.memoryUsage().rss;
let peak = start;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const started = performance.now();
const results = await Promise.all([
  ...Array.from({ length: 8 }, () => uploadLazily(host.baseUrl, { total: 90 * MB })),
  ...Array.from({ length: 2 }, () => uploadLazily(host.baseUrl, { total: 30 * MB, headers: { 'content-length': String(30 * MB) } })),
]);
const ms = Math.round(performance.now() - started);
clearInterval(sampler);
await host.close();
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 300));
const end = process.memoryUsage().rss;
console.log(
  JSON.stringify({
    statuses: results.map((r) => r.status),
    sentMbWhenAnswered: results.map((r) => Math.round(r.produced / MB)),
    ms,
    rssMb: { start: Math.round(start / MB), peak: Math.round(peak / MB), end: Math.round(end / MB) },
  }),
);
