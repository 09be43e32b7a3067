import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import { benchBot } from '../../../tools/bench/compare/processing-stack.js';
import { startBrokerProcess } from '../../../tools/bench/compare/start-broker-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return !isRunning(pid);
}

test("the bench's broker process serves each bot's queue (sessions for ordered bots, plain for none) and ends on close", async () => {
  const ordered = benchBot('ordered');
  const unordered = benchBot('unordered', 'none');
  const broker = await startBrokerProcess([ordered, unordered]);
  const client = new ServiceBusClient(broker.connectionString);
  try {
    assert.ok(broker.pid !== undefined && broker.pid !== process.pid, 'the broker has a process of its own');
    await client.createSender(ordered.queue).sendMessages({ body: 'in order', sessionId: 'pr-1' });
    await client.createSender(unordered.queue).sendMessages({ body: 'any order' });
    const session = await client.acceptNextSession(ordered.queue);
    const [inOrder] = await session.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    assert.equal(inOrder?.body, 'in order');
    assert.equal(session.sessionId, 'pr-1');
    await session.completeMessage(inOrder);
    const plain = client.createReceiver(unordered.queue);
    const [anyOrder] = await plain.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    assert.equal(anyOrder?.body, 'any order');
    await plain.completeMessage(anyOrder);
  } finally {
    await client.close();
    await broker.close();
  }
  assert.equal(isRunning(broker.pid), false, 'the broker process has ended');
});

test('a bench killed outright leaves no broker process behind', async () => {
  const starter = pathToFileURL(path.join(here, '../../../tools/bench/compare/start-broker-process.js')).href;
  // A stand-in bench: starts the broker, says its pid, then waits to be killed.
  const bench = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { startBrokerProcess } = await import(${JSON.stringify(starter)});
       const broker = await startBrokerProcess([{ name: 'orphan', queue: 'bot-orphan', events: ['*'], strategy: { type: 'entity', params: {} }, onPoison: 'skip' }]);
       console.log('broker pid ' + broker.pid);
       setInterval(() => undefined, 60_000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  bench.stdout.setEncoding('utf8');
  while (!/broker pid (\d+)/.test(output)) {
    const [chunk] = (await Promise.race([once(bench.stdout, 'data'), once(bench, 'exit').then(() => [''])])) as [string];
    if (bench.exitCode !== null) assert.fail(`the stand-in bench ended early: ${output}`);
    output += chunk;
  }
  const brokerPid = Number(/broker pid (\d+)/.exec(output)![1]);
  assert.ok(isRunning(brokerPid));
  bench.kill('SIGKILL');
  await once(bench, 'exit');
  const ended = await gone(brokerPid);
  if (!ended) process.kill(brokerPid, 'SIGKILL');
  assert.ok(ended, 'the broker ended with the process that started it');
});
