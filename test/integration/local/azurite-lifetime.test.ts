import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListening } from '../../../tools/local-host/port-probe.js';

const startAzurite = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/local-host/start-azurite.js');

test('Azurite never outlives the process that started it, even one killed without clean-up', { timeout: 60_000 }, async () => {
  const parent = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { startAzurite } = await import(${JSON.stringify(new URL(`file://${startAzurite}`).href)}); const a = await startAzurite(); console.log(a.blobEndpoint); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before Azurite was up: ${output}`)));
  });
  const port = Number(endpoint);
  assert.equal(await isListening(port, '127.0.0.1'), true);
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  // Azurite notices the closed IPC channel and exits; wait for its port to close.
  for (let i = 0; i < 100 && (await isListening(port, '127.0.0.1')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await isListening(port, '127.0.0.1'), false, 'Azurite exited with its parent');
});
