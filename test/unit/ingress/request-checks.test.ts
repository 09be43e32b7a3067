import { test } from 'node:test';
import assert from 'node:assert/strict';
import azureFunctions from '@azure/functions';

// @azure/functions is CommonJS without named-export hints for Node's ESM loader.
const { HttpRequest } = azureFunctions;
import { sign } from '@octokit/webhooks-methods';
import { getMissingHeaders } from '../../../src/ingress/get-missing-headers.js';
import { isValidDeliveryId } from '../../../src/ingress/validate-delivery-id.js';
import { verifySignature } from '../../../src/ingress/verify-signature.js';
import { readBodyWithLimit } from '../../../src/ingress/read-body.js';
import { WebhookRejection } from '../../../src/ingress/webhook-rejection.js';
import { example } from '../../support/example-payloads.js';

test('getMissingHeaders names every absent or blank required header, whatever the case', () => {
  const all = new Headers({ 'x-github-event': 'push', 'X-GitHub-Delivery': 'abc', 'x-hub-signature-256': 'sha256=00' });
  assert.deepEqual(getMissingHeaders(all), []);
  const some = new Headers({ 'x-github-event': '  ', 'x-hub-signature-256': 'sha256=00' });
  assert.deepEqual(getMissingHeaders(some), ['X-GitHub-Event', 'X-GitHub-Delivery']);
});

test('delivery ids: GitHub GUIDs pass; empty, over 128 characters, or with path or control characters fail', () => {
  assert.ok(isValidDeliveryId('72d3162e-cc78-11e3-81ab-4c9367dc0958'));
  assert.ok(isValidDeliveryId('a'.repeat(128)));
  for (const bad of ['', 'a'.repeat(129), '../etc/passwd', 'abc def', 'abc/def', '-leading-dash', 'abc\n']) {
    assert.equal(isValidDeliveryId(bad), false, JSON.stringify(bad));
  }
});

test('verifySignature accepts the current or the previous secret and says which matched', async () => {
  const text = JSON.stringify(example('push'));
  const body = Buffer.from(text);
  const secrets = ['current-secret', 'previous-secret'];
  const current = await sign('current-secret', text);
  const previous = await sign('previous-secret', text);
  // digest: the matched HMAC in hex, what the replay guard keys the body by.
  assert.deepEqual(verifySignature(secrets, body, current), { valid: true, secretIndex: 0, digest: current.slice('sha256='.length) });
  assert.deepEqual(verifySignature(secrets, body, previous), { valid: true, secretIndex: 1, digest: previous.slice('sha256='.length) });
});

test('verifySignature refuses another secret, a changed body, a malformed header, and an empty secret list', async () => {
  const text = JSON.stringify(example('push'));
  const body = Buffer.from(text);
  const signature = await sign('current-secret', text);
  assert.deepEqual(verifySignature(['current-secret'], Buffer.from(text.replace('"push"', '"pushed"') + ' '), signature), { valid: false });
  assert.deepEqual(verifySignature(['other-secret'], body, signature), { valid: false });
  assert.deepEqual(verifySignature(['current-secret'], body, signature.replace('sha256=', 'sha1=')), { valid: false });
  assert.deepEqual(verifySignature(['current-secret'], body, signature.toUpperCase()), { valid: false });
  assert.deepEqual(verifySignature([], body, signature), { valid: false });
  assert.deepEqual(verifySignature(['current-secret'], Buffer.alloc(0), signature), { valid: false });
});

test('verifySignature checks the bytes GitHub signed: a BOM or an invalid byte the signature does not cover fails', async () => {
  const text = JSON.stringify(example('push'));
  const signature = await sign('current-secret', text);
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  assert.deepEqual(verifySignature(['current-secret'], withBom, signature), { valid: false });
  // A secret with surrounding whitespace signs as typed.
  const spaced = ' secret-with-spaces \n';
  const spacedSignature = await sign(spaced, text);
  assert.deepEqual(verifySignature([spaced], Buffer.from(text), spacedSignature), {
    valid: true,
    secretIndex: 0,
    digest: spacedSignature.slice('sha256='.length),
  });
});

const requestWith = (bytes: number, headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/api/github/webhooks', headers, body: { bytes: Buffer.alloc(bytes, 0x61) } });

test('readBodyWithLimit returns the raw bytes up to and including the limit', async () => {
  const body = await readBodyWithLimit(requestWith(1000), 1000);
  assert.equal(body.byteLength, 1000);
  assert.equal(body.toString(), 'a'.repeat(1000));
});

test('readBodyWithLimit refuses a declared Content-Length over the limit without reading the body', async () => {
  const request = requestWith(10, { 'content-length': '5000' });
  await assert.rejects(readBodyWithLimit(request, 1000), (error: WebhookRejection) => {
    assert.equal(error.status, 413);
    assert.match(error.detail, /Content-Length 5000 exceeds the limit of 1000 bytes/);
    return true;
  });
  assert.equal(request.bodyUsed, false);
});

test('readBodyWithLimit counts the bytes while streaming when the length is absent or understated', async () => {
  for (const headers of [{}, { 'content-length': '10' }] as Record<string, string>[]) {
    await assert.rejects(readBodyWithLimit(requestWith(1001, headers), 1000), (error: WebhookRejection) => {
      assert.equal(error.status, 413);
      assert.equal(error.reason, 'body_too_large');
      return true;
    });
  }
});

test('readBodyWithLimit over a streamed body (enableHttpStream): stops pulling at the limit and leaves the stream uncancelled', async () => {
  let pulled = 0;
  let cancelled = false;
  const chunk = new Uint8Array(100).fill(0x61);
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/github/webhooks', body: { bytes: Buffer.alloc(0) } });
  Object.defineProperty(request, 'body', { value: body });
  await assert.rejects(readBodyWithLimit(request, 1000), (error: WebhookRejection) => error.status === 413);
  assert.ok(pulled <= 1100, `pulled ${pulled} bytes from an endless stream`);
  assert.equal(cancelled, false, 'cancelling would destroy the host proxy connection before the 413 is written');
  assert.equal(body.locked, false);
});
