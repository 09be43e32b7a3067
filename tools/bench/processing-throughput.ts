import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { botDefinitionSchema } from '../../src/bots/bot-config-schema.js';
import { queueOptionsFromBots } from '../dev-broker/queue-options-from-bots.js';
import { startDevBroker } from '../dev-broker/start-dev-broker.js';
import { parseEnvelope } from '../../src/envelope/parse-envelope.js';
import { createTableSessionStore } from '../../src/lifecycle/table-session-store.js';
import { silentLog } from '../local-host/log.js';
import { startSessionPump } from '../local-host/session-pump.js';
import { startAzurite } from '../local-host/start-azurite.js';
import { createBotQueueFunctions } from '../../src/processing/bot-queue-functions.js';
import { createTableHeldMessageStore } from '../../src/processing/held-message-store.js';
import { createTablePoisonStore } from '../../src/processing/poison-store.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { toServiceBusMessage } from '../../src/transport/to-service-bus-message.js';
import { pullRequestEnvelope } from '../../test/support/processing/example-envelopes.js';

/**
 * Messages per second through the whole processing side on this machine: development broker →
 * session pump (the Functions host's semantics) → handler → Table session touch on Azurite →
 * journal target. `npm run build && node dist/tools/bench/processing-throughput.js [sessions] [perSession] [concurrentSessions]`
 */
async function main(): Promise<void> {
  const [sessionCount, perSession, concurrency] = [
    Number(process.argv[2] ?? 20),
    Number(process.argv[3] ?? 25),
    Number(process.argv[4] ?? 8),
  ];
  const total = sessionCount * perSession;
  const directory = mkdtempSync(path.join(tmpdir(), 'processing-bench-'));
  const journalPath = path.join(directory, 'journal.jsonl');
  const azurite = await startAzurite();
  const bot = botDefinitionSchema.parse({ name: 'bench-bot', queue: 'bot-bench-bot', events: ['*'] });
  const broker = await startDevBroker({ queues: queueOptionsFromBots([bot]) });
  const client = new ServiceBusClient(broker.connectionString);
  const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  await table('sessions').createTable();
  try {
    const sender = client.createSender(bot.queue);
    const messages = Array.from({ length: perSession }, (_, i) =>
      Array.from({ length: sessionCount }, (_, s) => {
        const envelope = pullRequestEnvelope({ deliveryId: `d-${s}-${i}`, number: s + 1 });
        return toServiceBusMessage({
          bot: bot.name,
          queue: bot.queue,
          sessionId: `pr-octo/repo-${s + 1}`,
          messageId: envelope.eventId,
          envelope,
        });
      }),
    ).flat();
    for (let i = 0; i < messages.length; i += 8) await sender.sendMessages(messages.slice(i, i + 8));
    await sender.close();

    // Every session touch's request to the Table service, counted by method (the SDK sends MERGE as a POST with X-HTTP-Method).
    const sessionsTable = table('sessions');
    const tableRequests = { reads: 0, writes: 0 };
    sessionsTable.pipeline.addPolicy({
      name: 'count-table-requests',
      sendRequest: (request, next) => {
        if (request.method === 'GET') tableRequests.reads++;
        else tableRequests.writes++;
        return next(request);
      },
    });
    const sessionStore = createTableSessionStore({ tableClient: sessionsTable });
    const [definition] = createBotQueueFunctions([bot], {
      settings: { JOURNAL_PATH: journalPath },
      env: {},
      parseEnvelope,
      resolvePayload: async () => ({}),
      sessions: sessionStore,
      poison: createTablePoisonStore({ tableClient: table('poisonmessages') }),
      telemetry: noTelemetry,
      now: () => new Date(),
      // An entity bot holds on poison: its hold check rides on the touch (counted above); the held store is only used while held.
      holds: { sessions: sessionStore, held: createTableHeldMessageStore({ tableClient: table('heldmessages') }) },
    });
    const started = performance.now();
    const pump = startSessionPump({
      client,
      definition: definition!,
      hostOptions: {
        maxConcurrentSessions: concurrency,
        sessionIdleTimeoutMs: 500,
        maxAutoLockRenewalDurationMs: 60_000,
        functionTimeoutMs: 60_000,
      },
      log: silentLog,
    });
    while (pump.stats().completed < total) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    await pump.stop(5_000);
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n').length;
    console.log(
      `${total} messages (${sessionCount} sessions × ${perSession}), ${concurrency} concurrent sessions: ` +
        `${(total / seconds).toFixed(0)} messages/s, ${((seconds * 1000) / total).toFixed(2)} ms/message overall; journal lines ${lines}; ` +
        `session table requests per message: ${(tableRequests.reads / total).toFixed(3)} reads, ${(tableRequests.writes / total).toFixed(3)} writes`,
    );
  } finally {
    await client.close();
    await broker.close();
    await azurite.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
// Everything is closed, but rhea-promise keeps a 60 s attach timer for each acceptNextSession
// still waiting when the pump stopped (the SDK does not pass the abort signal down): do not wait for it.
process.exit(0);
