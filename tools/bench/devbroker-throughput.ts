import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startDevBroker } from '../dev-broker/start-dev-broker.js';

/**
 * How fast the development broker serves the real SDK: link setup, sequential sends, and one session's
 * receive + complete loop (the local host's pattern). `npm run build && node dist/tools/bench/devbroker-throughput.js`
 */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 500);
  const broker = await startDevBroker({ queues: [{ name: 'bench' }] });
  const client = new ServiceBusClient(broker.connectionString);
  try {
    let started = performance.now();
    const sender = client.createSender('bench');
    await sender.sendMessages({ body: 'warm-up', sessionId: 'warm-up' });
    console.log(`first send (connection, CBS, link): ${(performance.now() - started).toFixed(0)} ms`);

    started = performance.now();
    for (let n = 0; n < count; n++) await sender.sendMessages({ body: { n }, sessionId: 'pr-o/r-1' });
    console.log(`sequential sends: ${((performance.now() - started) / count).toFixed(2)} ms/message (${count})`);

    started = performance.now();
    const receiver = await client.acceptSession('bench', 'pr-o/r-1');
    console.log(`acceptSession: ${(performance.now() - started).toFixed(0)} ms`);
    started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let completed = 0;
      receiver.subscribe(
        {
          async processMessage(message: ServiceBusReceivedMessage) {
            await receiver.completeMessage(message);
            if (++completed === count) resolve();
          },
          async processError({ error }) {
            reject(error);
          },
        },
        { autoCompleteMessages: false },
      );
    });
    console.log(`receive + complete in one session: ${((performance.now() - started) / count).toFixed(2)} ms/message`);
    await receiver.close();
  } finally {
    await client.close();
    await broker.close();
  }
}

await main();
