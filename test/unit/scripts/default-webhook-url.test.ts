import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultWebhookUrl } from '../../../tools/scripts/lib/local-target.js';

// `npm run send` / `npm run demo` must post where `npm start` listens: LOCAL_HTTP_PORT, else
// local.settings.json's Host.LocalHttpPort (as `func start` reads it), else 7071.
test('send and demo post to the port the local host picks, Host.LocalHttpPort included', (t) => {
  const folder = mkdtempSync(path.join(tmpdir(), 'webhook-url-'));
  const settings = path.join(folder, 'local.settings.json');
  const saved = { file: process.env.LOCAL_SETTINGS_FILE, port: process.env.LOCAL_HTTP_PORT };
  t.after(() => {
    for (const [name, value] of [
      ['LOCAL_SETTINGS_FILE', saved.file],
      ['LOCAL_HTTP_PORT', saved.port],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(folder, { recursive: true, force: true });
  });
  process.env.LOCAL_SETTINGS_FILE = settings;
  delete process.env.LOCAL_HTTP_PORT;

  writeFileSync(settings, JSON.stringify({ IsEncrypted: false, Values: {}, Host: { LocalHttpPort: 7181 } }));
  assert.equal(defaultWebhookUrl(), 'http://localhost:7181/api/github/webhooks');

  writeFileSync(settings, JSON.stringify({ IsEncrypted: false, Values: { LOCAL_HTTP_PORT: '7282' }, Host: { LocalHttpPort: 7181 } }));
  assert.equal(defaultWebhookUrl(), 'http://localhost:7282/api/github/webhooks', 'LOCAL_HTTP_PORT wins');

  process.env.LOCAL_HTTP_PORT = '7383';
  assert.equal(defaultWebhookUrl(), 'http://localhost:7383/api/github/webhooks', 'the environment wins');
});
