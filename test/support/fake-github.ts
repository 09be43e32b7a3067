import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { once } from 'node:events';

/**
 * A local stand-in for GitHub's webhook delivery endpoints, in the documented shapes:
 * GET  /app/hook/deliveries (app JWT), /repos/{owner}/{repo}/hooks/{id}/deliveries,
 *      /orgs/{org}/hooks/{id}/deliveries (token) — newest first, `per_page` ≤ 100, cursor paging
 *      through `Link: <…>; rel="next"`;
 * POST …/deliveries/{delivery_id}/attempts — 202, then the stored request is POSTed to the
 *      webhook again (one at a time, in request order) and recorded as a new attempt with
 *      `redelivery: true`.
 * https://docs.github.com/en/rest/apps/webhooks · https://docs.github.com/en/rest/repos/webhooks
 * The app JWT is verified as GitHub does: RS256 over the app's public key, `iss` = the app id,
 * `iat`/`exp` around now.
 */
export interface StoredRequest {
  headers: Record<string, string>;
  body: string;
}

export interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

export interface FakeGitHubOptions {
  appId?: number;
  /** When set, repository / organization hook endpoints accept `Authorization: token|Bearer <token>`. */
  token?: string;
  /** Where redeliveries are POSTed; answers 0 when unreachable (GitHub: "failed to connect"). */
  webhookUrl?: string;
}

export interface FakeGitHub {
  apiUrl: string;
  appId: number;
  /** PKCS#1 PEM, as GitHub hands out an app's private key. */
  privateKey: string;
  publicKey: KeyObject;
  deliveries: FakeDelivery[];
  /** Every API request: method, path with query, and why it was refused, if it was. */
  requests: { method: string; path: string; status: number; refused?: string }[];
  /** Redelivery requests, by delivery id, in the order received. */
  attempts: number[];
  /** Records a delivery (as if GitHub had sent it and got `statusCode`), with the request to send again. */
  record(delivery: Partial<FakeDelivery> & { guid: string; event: string; status_code: number }, request?: StoredRequest): FakeDelivery;
  /** Sends a request to the webhook as GitHub would and records the attempt with the webhook's answer. */
  deliver(request: StoredRequest, redelivery?: boolean): Promise<FakeDelivery>;
  /** From now on every API request is refused as rate limited, after `allowed` more succeed. */
  rateLimitAfter(allowed: number, kind?: 'primary' | 'secondary'): void;
  /** Where deliveries and redeliveries go from now on. */
  setWebhookUrl(url: string): void;
  /** The webhook's JSON answer to each attempt, by delivery id. */
  answers: Map<number, unknown>;
  /** Resolves once every redelivery requested so far has been sent to the webhook. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const appId = options.appId ?? 424242;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const deliveries: FakeDelivery[] = [];
  const stored = new Map<number, StoredRequest>();
  const requests: FakeGitHub['requests'] = [];
  const attempts: number[] = [];
  let nextId = 1_000_000;
  let limit: { allowed: number; kind: 'primary' | 'secondary' } | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let webhookUrl = options.webhookUrl ?? 'http://127.0.0.1:9/unset';
  const answers = new Map<number, unknown>();

  const record: FakeGitHub['record'] = (partial, request) => {
    const delivery: FakeDelivery = {
      id: nextId++,
      delivered_at: new Date().toISOString(),
      redelivery: false,
      duration: 0.1,
      status:
        partial.status_code >= 200 && partial.status_code < 300
          ? 'OK'
          : partial.status_code === 0
            ? 'failed to connect to host'
            : `Invalid HTTP Response: ${partial.status_code}`,
      action: null,
      installation_id: 1,
      repository_id: 186853002,
      throttled_at: null,
      ...partial,
    };
    deliveries.push(delivery);
    if (request !== undefined) stored.set(delivery.id, request);
    return delivery;
  };

  const deliver: FakeGitHub['deliver'] = async (request, redelivery = false) => {
    let statusCode = 0;
    let answer: unknown;
    try {
      const response = await fetch(webhookUrl, { method: 'POST', headers: request.headers, body: request.body });
      statusCode = response.status;
      const text = await response.text();
      answer = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      statusCode = 0;
    }
    const payload = JSON.parse(request.body) as { action?: string };
    const delivery = record(
      {
        guid: request.headers['x-github-delivery']!,
        event: request.headers['x-github-event']!,
        action: payload.action ?? null,
        status_code: statusCode,
        redelivery,
      },
      request,
    );
    answers.set(delivery.id, answer);
    return delivery;
  };

  const appAuthProblem = (authorization: string | undefined): string | undefined => {
    const match = /^bearer (.+)$/i.exec(authorization ?? '');
    if (!match) return 'no bearer JWT';
    const [header, payload, signature] = match[1]!.split('.');
    if (!header || !payload || !signature) return 'not a JWT';
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
    if (alg !== 'RS256') return `alg ${alg}`;
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))) return 'bad signature';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: unknown; iat?: number; exp?: number };
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== String(appId)) return `iss ${String(claims.iss)}`;
    if (claims.iat === undefined || claims.iat > now + 60) return 'iat in the future';
    if (claims.exp === undefined || claims.exp <= now || claims.exp - (claims.iat ?? 0) > 600) return 'exp out of range';
    return undefined;
  };

  const tokenProblem = (authorization: string | undefined): string | undefined =>
    options.token !== undefined && new RegExp(`^(token|bearer) ${options.token}$`, 'i').test(authorization ?? '') ? undefined : 'bad token';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      for await (const _chunk of req) void _chunk;
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const entry: FakeGitHub['requests'][number] = { method, path: url.pathname + url.search, status: 0 };
      requests.push(entry);
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}, refused?: string) => {
        entry.status = status;
        if (refused !== undefined) entry.refused = refused;
        json(res, status, body, headers);
      };

      const hookPath = /^(\/app\/hook|\/repos\/[^/]+\/[^/]+\/hooks\/\d+|\/orgs\/[^/]+\/hooks\/\d+)\/deliveries(?:\/(\d+)\/attempts)?$/.exec(
        url.pathname,
      );
      if (!hookPath) return answer(404, { message: 'Not Found' });
      const problem = hookPath[1] === '/app/hook' ? appAuthProblem(req.headers.authorization) : tokenProblem(req.headers.authorization);
      if (problem !== undefined) return answer(401, { message: 'A JSON web token could not be decoded' }, {}, problem);

      if (limit !== undefined) {
        if (limit.allowed <= 0) {
          const headers: Record<string, string> =
            limit.kind === 'primary'
              ? {
                  'x-ratelimit-limit': '5000',
                  'x-ratelimit-remaining': '0',
                  'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1800),
                }
              : { 'retry-after': '60' };
          return answer(limit.kind === 'primary' ? 403 : 429, { message: 'API rate limit exceeded' }, headers, 'rate limited');
        }
        limit.allowed -= 1;
      }

      if (method === 'GET' && hookPath[2] === undefined) {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return answer(422, { message: 'per_page must be 1-100' });
        const newestFirst = [...deliveries].sort((a, b) => b.id - a.id);
        const cursor = url.searchParams.get('cursor');
        const start = cursor === null ? 0 : newestFirst.findIndex((d) => d.id < Number(cursor.replace(/^v1_/, '')));
        const page = start < 0 ? [] : newestFirst.slice(start, start + perPage);
        const headers: Record<string, string> = {};
        const rest = start < 0 ? [] : newestFirst.slice(start + perPage);
        if (rest.length > 0) {
          const next = new URL(url.pathname, `http://${req.headers.host}`);
          next.searchParams.set('per_page', String(perPage));
          next.searchParams.set('cursor', `v1_${page[page.length - 1]!.id}`);
          headers['link'] = `<${next.toString()}>; rel="next"`;
        }
        return answer(200, page, headers);
      }
      if (method === 'POST' && hookPath[2] !== undefined) {
        const id = Number(hookPath[2]);
        const request = stored.get(id);
        if (request === undefined) return answer(404, { message: 'Not Found' });
        attempts.push(id);
        // GitHub answers at once and delivers shortly after; one at a time, in request order.
        queue = queue.then(() => deliver(request, true));
        return answer(202, {});
      }
      return answer(404, { message: 'Not Found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}`,
    appId,
    privateKey: privatePem,
    publicKey,
    deliveries,
    requests,
    attempts,
    record,
    deliver,
    rateLimitAfter: (allowed, kind = 'primary') => void (limit = { allowed, kind }),
    setWebhookUrl: (url) => void (webhookUrl = url),
    answers,
    idle: async () => {
      for (;;) {
        const current = queue;
        await current;
        if (current === queue) return;
      }
    },
    async close() {
      await queue;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A guid as GitHub writes them. */
export const newGuid = (): string => randomUUID();
