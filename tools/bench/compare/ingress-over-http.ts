import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import azureFunctions from '@azure/functions';
import { Webhooks } from '@octokit/webhooks';
import type { HttpRequest } from '@azure/functions';
import type { WebhookHandler } from '../../../src/ingress/create-webhook-handler.js';
import { readBodyWithLimit } from '../../../src/ingress/read-body.js';
import { streamingRequest } from '../../local-host/http-host.js';
import type { ClientCommand, ClientReply } from './ingress-http-client.js';
import { benchWebhookHandler, CONTENDERS, iterationsFor, rotate, summarise, type Contender, type IngressResult } from './ingress-cpu.js';
import { benchPayload, PAYLOAD_SIZES, SECRET } from './padded-payloads.js';
import { median } from './statistics.js';

const { InvocationContext } = azureFunctions;

/**
 * Measured beside the three for reference: node:http, the local host's HttpRequest and the body
 * read through it (the app's own reader), a 202. What the Functions programming model costs before
 * the handler does its own work (the Azure worker builds the same HttpRequest, `createStreamRequest`).
 */
type Served = Contender | 'adapter';
const SERVED: readonly Served[] = [...CONTENDERS, 'adapter'];

/** An IngressResult with the reference's CPU µs per request. */
export type IngressOverHttpResult = IngressResult & { adapterUs: number };

/** Requests in flight at once, each on its own keep-alive connection: a webhook endpoint under some load. */
export const CONCURRENCY = 4;

/**
 * Issue 12's floor taken literally: each contender behind a real node:http server in this
 * process, driven by a client in a child process over keep-alive connections; what is measured is
 * this process's CPU per request (the parsing of the HTTP request, reading the body, the
 * contender's work and writing its answer), interleaved rounds, medians.
 * - floor: node:http, the body's chunks concatenated, HMAC-SHA256 over the bytes, constant-time
 *   compare, JSON.parse, a 202 with a small JSON body;
 * - peer: node:http, the body as a string, @octokit/webhooks `verifyAndReceive`, the same 202;
 * - app: node:http, the Functions HttpRequest built by the local host's adapter (tools/local-host,
 *   the streamed body of `enableHttpStream`), createApp's webhook handler with the same stand-ins
 *   for Service Bus, Blob and Table as the handler-only bench, its JSON answer written back.
 */
export async function measureIngressOverHttp(options: { quick: boolean; rounds: number }): Promise<IngressOverHttpResult[]> {
  const servers = await startContenderServers();
  const { ports } = servers;
  const client = startClient();

  const results: IngressOverHttpResult[] = [];
  try {
    for (const size of PAYLOAD_SIZES) {
      const payload = benchPayload(size);
      const ready = await client.ask({ size });
      if (!('ready' in ready) || ready.ready !== payload.body.byteLength) throw new Error(`the client built another ${size} payload`);
      const count = iterationsFor(payload.body.byteLength, options.quick);
      const run = async (contender: Served) => {
        const reply = await client.ask({ port: ports[contender], count, concurrency: Math.min(CONCURRENCY, count) });
        if (!('statuses' in reply) || reply.firstFailure !== null) {
          throw new Error(`${contender} over http did not answer 202 every time: ${JSON.stringify(reply)}`);
        }
      };
      // Warm-up, untimed (as in the handler-only bench): a failure shows before timing.
      for (const contender of SERVED) await run(contender);
      const perRound: Record<Served, number[]> = { floor: [], peer: [], app: [], adapter: [] };
      for (let round = 0; round < options.rounds; round++) {
        for (const contender of rotate(SERVED, round)) {
          globalThis.gc?.();
          const before = process.cpuUsage();
          await run(contender);
          const used = process.cpuUsage(before);
          perRound[contender].push((used.user + used.system) / count);
        }
      }
      results.push({ ...summarise(payload, perRound), adapterUs: median(perRound.adapter) });
    }
  } finally {
    client.stop();
    await servers.close();
  }
  if (servers.received() === 0) throw new Error('@octokit/webhooks received nothing over http: the peer did not run');
  return results;
}

/** The three contenders' servers on loopback ports (0 = any free one). */
export async function startContenderServers(): Promise<{
  ports: Record<Served, number>;
  received: () => number;
  close: () => Promise<void>;
}> {
  const { app, handler } = benchWebhookHandler();
  const webhooks = new Webhooks({ secret: SECRET });
  let received = 0;
  webhooks.onAny(() => void received++);
  const servers: Record<Served, Server> = {
    floor: createServer((req, res) => void serveFloor(req, res)),
    peer: createServer((req, res) => void servePeer(req, res, webhooks)),
    app: createServer((req, res) => void serveApp(req, res, handler)),
    adapter: createServer((req, res) => void serveAdapter(req, res)),
  };
  const ports = {} as Record<Served, number>;
  for (const served of SERVED) ports[served] = await listen(servers[served]);
  return {
    ports,
    received: () => received,
    async close() {
      await Promise.all(SERVED.map((served) => close(servers[served])));
      await app.close();
    },
  };
}

async function serveFloor(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readAll(req);
  const expected = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
  const digest = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) return answer(res, 401, { error: 'bad_signature' });
  const event = JSON.parse(body.toString('utf8')) as unknown;
  answer(res, 202, { deliveryId: req.headers['x-github-delivery'], accepted: event !== null });
}

async function servePeer(req: IncomingMessage, res: ServerResponse, webhooks: Webhooks): Promise<void> {
  const body = await readAll(req);
  try {
    await webhooks.verifyAndReceive({
      id: String(req.headers['x-github-delivery']),
      name: String(req.headers['x-github-event']),
      payload: body.toString('utf8'),
      signature: String(req.headers['x-hub-signature-256']),
    });
  } catch (error) {
    return answer(res, 400, { error: String(error) });
  }
  answer(res, 202, { deliveryId: req.headers['x-github-delivery'] });
}

const context = new InvocationContext({ functionName: 'github-webhook', logHandler: () => undefined });

async function serveApp(req: IncomingMessage, res: ServerResponse, handler: WebhookHandler): Promise<void> {
  const response = await handler(functionsRequest(req), context);
  answer(res, response.status ?? 200, response.jsonBody);
}

async function serveAdapter(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBodyWithLimit(functionsRequest(req), MAX_BODY_BYTES);
  answer(res, 202, { bytes: body.byteLength });
}

/** The Functions host's own limit, as the local host applies it. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** What the local host hands a function: the request URL as it builds it, then its adapter. */
function functionsRequest(req: IncomingMessage): HttpRequest {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  return streamingRequest(req, req.method ?? 'POST', url, {}, MAX_BODY_BYTES);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.byteLength });
  res.end(bytes);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The client process, one question at a time. */
export function startClient(): { ask(command: ClientCommand): Promise<ClientReply>; stop(): void } {
  const child: ChildProcess = fork(fileURLToPath(new URL('./ingress-http-client.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited: Error | undefined;
  const waiting: ((reply: ClientReply | Error) => void)[] = [];
  child.on('message', (reply: ClientReply) => waiting.shift()?.(reply));
  child.on('exit', (code) => {
    exited = new Error(`the bench's http client exited (code ${code})`);
    for (const wait of waiting.splice(0)) wait(exited);
  });
  return {
    ask(command) {
      if (exited !== undefined) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        waiting.push((reply) => (reply instanceof Error ? reject(reply) : resolve(reply)));
        child.send(command);
      });
    },
    stop() {
      if (child.connected) child.disconnect();
    },
  };
}
