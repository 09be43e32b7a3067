import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const startDevBroker = pathToFileURL(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/dev-broker/start-dev-broker.js'),
).href;

/** In a child process: a receiver waits for a session that never comes; the client closes, then the broker. */
const program = `
import { ServiceBusClient } from '@azure/service-bus';
const { startDevBroker } = await import(${JSON.stringify(startDevBroker)});
const broker = await startDevBroker({ queues: [{ name: 'orders' }] });
const client = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 30_000 } });
const waiting = client.acceptNextSession('orders').then(() => 'accepted', (error) => 'refused: ' + (error.code ?? error.message));
await new Promise((resolve) => setTimeout(resolve, 500));
await client.close();
await broker.close();
console.log(await waiting);
`;

test(
  'a client that closes while acceptNextSession waits lets its process exit (the SDK would hold it 60 s)',
  { timeout: 90_000 },
  async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // Half of rhea-promise's 60 s operation timeout, the timer that held the process before.
    const exited = await new Promise<number | null | 'still running'>((resolve) => {
      const bound = setTimeout(() => resolve('still running'), 30_000);
      child.once('exit', (code) => {
        clearTimeout(bound);
        resolve(code);
      });
    });
    if (exited === 'still running') child.kill('SIGKILL');
    assert.equal(exited, 0, `the process ${exited === 'still running' ? 'did not exit' : `exited ${exited}`}:\n${output}`);
    assert.match(output, /refused/, 'the waiting accept ended with an error, not a session');
  },
);
