import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';

test('npm run broker serves the bots.json queues and stops by itself on SIGTERM', async () => {
  const child = spawn(process.execPath, ['dist/tools/dev-broker/main.js', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    const connectionString = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = /Connection string: (\S+)\n/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`broker exited early (${code}): ${output}`)));
    });
    assert.match(output, /queue bot-merge-warden: sessions/);

    const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
    try {
      await client.createSender('bot-merge-warden').sendMessages({ body: 'hello', sessionId: 'pr-o/r-1', messageId: 'm' });
      const receiver = await client.acceptNextSession('bot-merge-warden');
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
      assert.equal(message!.body, 'hello');
    } finally {
      await client.close();
    }

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test("npm run broker reads bots.json as the app does: a bad file stops it with the app's message, naming bot and field", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-bots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bots.json');
  writeFileSync(path, JSON.stringify({ bots: [{ name: 'typo-bot', queue: 'bot-typo', events: ['pull_requests'] }] }));
  const child = spawn(process.execPath, ['dist/tools/dev-broker/main.js', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BOTS_CONFIG_PATH: path },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1);
  assert.match(
    stderr,
    new RegExp(
      `${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: bot "typo-bot" \\(bots\\[0\\]\\) events\\[0\\]: unknown event "pull_requests" — did you mean "pull_request"\\?`,
    ),
  );
});
