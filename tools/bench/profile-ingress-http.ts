import { CONCURRENCY, startClient, startContenderServers } from './compare/ingress-over-http.js';
import { PAYLOAD_SIZES, type PayloadSize } from './compare/padded-payloads.js';

/**
 * One contender of the ingress bench behind node:http, driven by the bench's client process, so a
 * CPU profile of this process shows the server side only:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/tools/bench/profile-ingress-http.js [app|floor|peer|adapter] [size=2k] [requests=20000]
 *
 * Prints this process's CPU µs per request.
 */
const SERVED = ['app', 'floor', 'peer', 'adapter'] as const;
const contender = (process.argv[2] ?? 'app') as (typeof SERVED)[number];
if (!SERVED.includes(contender)) throw new Error(`contender must be one of ${SERVED.join(', ')}, got "${contender}"`);
const size = (process.argv[3] ?? '2k') as PayloadSize;
if (!PAYLOAD_SIZES.includes(size)) throw new Error(`size must be one of ${PAYLOAD_SIZES.join(', ')}, got "${size}"`);
const count = Number(process.argv[4] ?? 20_000);
if (!Number.isSafeInteger(count) || count <= 0) throw new Error(`requests must be a positive whole number, got "${process.argv[4]}"`);

const servers = await startContenderServers();
const client = startClient();
try {
  await client.ask({ size });
  const run = async () => {
    const reply = await client.ask({ port: servers.ports[contender], count, concurrency: CONCURRENCY });
    if (!('statuses' in reply) || reply.firstFailure !== null) throw new Error(`not 202 every time: ${JSON.stringify(reply)}`);
  };
  await run(); // warm-up
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  console.log(
    `${contender} ${size} over node:http: ${((used.user + used.system) / count).toFixed(1)} µs CPU per request (user ${(used.user / count).toFixed(1)}, system ${(used.system / count).toFixed(1)}) over ${count}`,
  );
} finally {
  client.stop();
  await servers.close();
}
