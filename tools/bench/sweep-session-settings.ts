import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServiceBusHostOptions } from '../local-host/host-options.js';
import { benchBot, startProcessingStack } from './compare/processing-stack.js';
import { measureMixed, measureOneMessageSessions } from './compare/processing-workloads.js';

/**
 * How host.json's sessionIdleTimeout and maxConcurrentSessions trade one-message-session throughput
 * against a hot pull request: runs bench (c) and (d) for each pair given.
 * `npm run build && node dist/tools/bench/sweep-session-settings.js 00:00:05/8 00:00:00.500/16 … [perBot] [hot] [others]`
 * The broker runs in its own process, as in `npm run bench` (BENCH_BROKER=inline: on this thread).
 */
const pairs = process.argv.slice(2).filter((arg) => arg.includes('/'));
const [perBot, hot, others] = process.argv
  .slice(2)
  .filter((arg) => !arg.includes('/'))
  .map(Number) as [number?, number?, number?];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const base = readServiceBusHostOptions(path.join(root, 'host.json'), process.env);
const bots = pairs.map((_, i) => [1, 2, 3, 4, 5].map((n) => benchBot(`sweep${i}-${n}`)));
const mixedBots = pairs.map((_, i) => benchBot(`sweep${i}-mixed`));
const stack = await startProcessingStack([...bots.flat(), ...mixedBots]);
try {
  const rows = [];
  for (const [i, pair] of pairs.entries()) {
    const [idle, sessions] = pair.split('/');
    const options = readServiceBusHostOptions(path.join(root, 'host.json'), {
      AzureFunctionsJobHost__extensions__serviceBus__sessionIdleTimeout: idle,
      AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentSessions: sessions,
    });
    const one = await measureOneMessageSessions(stack, bots[i]!, perBot ?? 200, { ...base, ...options });
    const mixed = await measureMixed(stack, mixedBots[i]!, hot ?? 300, others ?? 500, { ...base, ...options });
    rows.push({
      sessionIdleTimeout: idle,
      maxConcurrentSessions: Number(sessions),
      'one-message msgs/s per bot': one.perSecondPerBot.toFixed(1),
      'hot PR s': mixed.hotPrSeconds.toFixed(2),
      'others p50 s': mixed.othersP50Seconds.toFixed(2),
      'others p99 s': mixed.othersP99Seconds.toFixed(2),
      'accepted (c)': one.sessionsAccepted,
      'accepted (d)': mixed.sessionsAccepted,
      'CPU % (c) app / broker / Azurite': `${one.cpuPercent.bench} / ${one.cpuPercent.broker ?? 'inline'} / ${one.cpuPercent.azurite ?? '?'}`,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  console.table(rows);
} finally {
  await stack.close();
}
process.exit(0);
