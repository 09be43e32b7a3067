import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { rawRequest, uploadLazily, webhookOverHttp } from '../../support/webhook-over-http.js';

const MB = 1024 * 1024;

test('item 4: a chunked body over WEBHOOK_MAX_BODY_BYTES is refused 413 once the limit is passed, not after the whole upload', async () => {
  const { host, routed } = await webhookOverHttp({ WEBHOOK_MAX_BODY_BYTES: String(1 * MB) });
  try {
    const { status, produced, body } = await uploadLazily(host.baseUrl, { total: 60 * MB });
    assert.equal(status, 413);
    assert.match(body, /body_too_large/);
    assert.ok(produced < 10 * MB, `the client had produced ${produced} bytes of 60 MB when the 413 came`);
    assert.equal(routed(), 0);
  } finally {
    await host.close();
  }
});

test('item 4: a declared Content-Length over the limit is refused before a byte of the body is sent', { timeout: 20_000 }, async () => {
  const { host } = await webhookOverHttp({ WEBHOOK_MAX_BODY_BYTES: String(1 * MB) });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${host.baseUrl}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(30 * MB),
          'x-github-event': 'push',
          'x-github-delivery': 'cl-1',
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: no body byte is ever written
    });
    assert.equal(status, 413);
  } finally {
    await host.close();
  }
});

test('item 6: a malformed Host header is a 400 from the local host, not a 500', async () => {
  const { host } = await webhookOverHttp();
  try {
    for (const hostHeader of ['[', 'a b', 'exa mple:99999', '%']) {
      const status = await rawRequest(
        host.port,
        `POST /api/github/webhooks HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
      assert.equal(status, 400, hostHeader);
    }
  } finally {
    await host.close();
  }
});

test('item 9: a request from a foreign browser origin is refused 403; local pages and non-browser clients are served', async () => {
  const { host } = await webhookOverHttp();
  try {
    const post = (origin: string | undefined) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${host.baseUrl}/api/github/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(origin === undefined ? {} : { origin }) },
        });
        req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end('{}');
      });
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null', 'http://192.168.1.10:7071']) {
      assert.equal(await post(origin), 403, origin);
    }
    for (const origin of [undefined, 'http://localhost:3000', 'http://127.0.0.1:7071', 'http://[::1]:8080']) {
      assert.equal(await post(origin), 400, `${origin}: reaches the webhook (which wants its headers)`);
    }
  } finally {
    await host.close();
  }
});
