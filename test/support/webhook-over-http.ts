import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { loadBots } from '../../src/bots/load-bots.js';
import { readSettings } from '../../src/config/settings.js';
import { createWebhookHandler } from '../../src/ingress/create-webhook-handler.js';
import { defineWebhookFunction } from '../../src/ingress/define-webhook-function.js';
import { startHttpHost, type RunningHttpHost } from '../../tools/local-host/http-host.js';
import { silentLog } from '../../tools/local-host/log.js';
import { CURRENT_SECRET, RECEIVED_AT, recordingClaimCheck, recordingDispatcher } from './webhook-harness.js';
import { recordingTelemetry } from './recording-telemetry.js';

/** The real webhook handler behind the local http host (port 0), with recording fakes for I/O. */
export async function webhookOverHttp(env: Record<string, string> = {}) {
  const settings = readSettings({ GITHUB_WEBHOOK_SECRET: CURRENT_SECRET, ...env });
  const recorded = recordingDispatcher(undefined, { keep: false });
  let routed = 0;
  const dispatcher = {
    ...recorded.dispatcher,
    reserve: (routes: Parameters<typeof recorded.dispatcher.reserve>[0]) => {
      const reservation = recorded.dispatcher.reserve(routes);
      return {
        ...reservation,
        dispatch: async (...args: Parameters<typeof reservation.dispatch>) => ((routed += 1), reservation.dispatch(...args)),
      };
    },
  };
  const telemetry = recordingTelemetry();
  const handler = createWebhookHandler({
    settings,
    registry: loadBots(),
    dispatcher,
    claimCheck: recordingClaimCheck().claimCheck,
    telemetry,
    now: () => RECEIVED_AT,
  });
  const host: RunningHttpHost = await startHttpHost({ definitions: [defineWebhookFunction(handler)], port: 0, log: silentLog });
  return { host, telemetry, routed: () => routed };
}

/**
 * POSTs a body the client produces only as the server pulls it (back-pressure), `chunk` bytes at
 * a time up to `total`; stops producing when the answer arrives. Returns the status and how many
 * bytes had been produced by then.
 */
export function uploadLazily(
  baseUrl: string,
  { total, chunk = 64 * 1024, headers = {} }: { total: number; chunk?: number; headers?: Record<string, string> },
): Promise<{ status: number; produced: number; body: string }> {
  return new Promise((resolve, reject) => {
    let produced = 0;
    let answered = false;
    const block = Buffer.alloc(chunk, 0x61);
    const source = new Readable({
      highWaterMark: chunk,
      read() {
        if (answered || produced >= total) return this.push(null);
        const size = Math.min(chunk, total - produced);
        produced += size;
        this.push(size === chunk ? block : block.subarray(0, size));
      },
    });
    const req = httpRequest(`${baseUrl}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'upload-1',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        ...headers,
      },
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const at = produced;
      const chunks: Buffer[] = [];
      res.on('data', (data: Buffer) => chunks.push(data));
      res.on('end', () => {
        source.unpipe(req);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, produced: at, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    source.pipe(req);
  });
}

/** Sends raw request bytes over TCP and returns the status line's code. */
export function rawRequest(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}
