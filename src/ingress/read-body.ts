import type { HttpRequest } from '@azure/functions';
import { WebhookRejection } from './webhook-rejection.js';

/**
 * Reads the raw body, refusing more than `maxBytes` without buffering it: a declared
 * Content-Length over the limit is refused before reading anything, and the bytes are counted
 * while streaming because a client may lie about (or omit) the length. This holds in Azure
 * because the app runs with `app.setup({ enableHttpStream: true })` (src/app/enable-http-stream.ts):
 * `request.body` is then a web ReadableStream over the host's proxied request, not a buffer the
 * worker filled first.
 */
export async function readBodyWithLimit(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    throw tooLarge(`Content-Length ${declared} exceeds the limit of ${maxBytes} bytes (WEBHOOK_MAX_BODY_BYTES)`);
  }
  if (request.body === null) return Buffer.alloc(0);

  // @azure/functions types the stream as ReadableStream<any>; the host streams the request's bytes.
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop reading, but do not cancel: with HTTP streams, cancelling destroys the proxied
      // request (and its connection) before the 413 is written. The host discards the rest.
      reader.releaseLock();
      throw tooLarge(`the body exceeds the limit of ${maxBytes} bytes (WEBHOOK_MAX_BODY_BYTES)`);
    }
    chunks.push(value);
  }
  // One chunk (a body the host passed in one piece): used as it is, not copied.
  if (chunks.length === 1) return Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength);
  return Buffer.concat(chunks, total);
}

function tooLarge(detail: string): WebhookRejection {
  return new WebhookRejection(413, 'body_too_large', detail);
}
