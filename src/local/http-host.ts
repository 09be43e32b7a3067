import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import functions, { type HttpResponse as HttpResponseType, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../app/function-definitions.js';
import { compileRoute, type CompiledRoute } from './route-template.js';
import type { Log } from './log.js';

// @azure/functions is CommonJS: its classes come through the default export under ESM.
const { HttpRequest, HttpResponse, InvocationContext } = functions;

export interface HttpHostOptions {
  definitions: readonly HttpFunctionDefinition[];
  /** 0 = any free port. */
  port: number;
  /** Interface to listen on; loopback by default so a dev box does not serve its LAN. */
  host?: string;
  /** host.json `extensions.http.routePrefix` (default `api`). */
  routePrefix?: string;
  /**
   * Key for `function`/`admin` functions (`?code=` or `x-functions-key`). Unset = any key or
   * none is accepted, as `func start` does locally.
   */
  functionKey?: string;
  /** The Functions host refuses bodies over 100 MB; so does this one. */
  maxBodyBytes?: number;
  log: Log;
}

export interface RunningHttpHost {
  port: number;
  /** `http://localhost:<port>` */
  baseUrl: string;
  /** Stops accepting connections and waits for requests in flight (bounded), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

interface Route {
  definition: HttpFunctionDefinition;
  compiled: CompiledRoute;
  methods: Set<string>;
}

/**
 * Serves each http FunctionDefinition under `/<routePrefix>/<route>` the way the Functions host
 * does: the handler gets an `HttpRequest` and an `InvocationContext`, its `HttpResponseInit` (or
 * `HttpResponse`) goes back to the client; a throw answers 500.
 */
export async function startHttpHost(options: HttpHostOptions): Promise<RunningHttpHost> {
  const { log } = options;
  const trimmedPrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const prefix = trimmedPrefix ? `/${trimmedPrefix}` : '';
  const maxBodyBytes = options.maxBodyBytes ?? 100 * 1024 * 1024;
  const routes: Route[] = options.definitions.map((definition) => ({
    definition,
    compiled: compileRoute(definition.route),
    methods: new Set(definition.methods.map((m) => m.toUpperCase())),
  }));
  const inFlight = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    const done = handle(req, res).catch((error: unknown) => {
      log.error('http', `${req.method} ${req.url} failed:`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error in the local host' });
      else res.destroy();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (!(path === prefix || path.startsWith(prefix + '/'))) {
      return notFound(res, method, path);
    }
    const routePath = path.slice(prefix.length);
    const matches = routes
      .map((route) => ({ route, params: route.compiled.match(routePath) }))
      .filter((m): m is { route: Route; params: Record<string, string> } => m.params !== undefined)
      .sort((a, b) => b.route.compiled.specificity - a.route.compiled.specificity);
    if (matches.length === 0) return notFound(res, method, path);
    const match = matches.find((m) => m.route.methods.has(method));
    if (!match) return notFound(res, method, path);
    const { definition } = match.route;
    if (definition.authLevel !== 'anonymous' && !hasValidKey(req, url, options.functionKey)) {
      return sendJson(res, 401, { error: `${definition.name} needs a function key: ?code=<LOCAL_FUNCTION_KEY> or header x-functions-key` });
    }

    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') {
      return sendJson(res, 413, { error: `The request body is larger than the host's limit of ${maxBodyBytes} bytes` });
    }
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      body: { bytes: body },
      params: match.params,
    });
    const invocationId = randomUUID();
    const context = new InvocationContext({
      functionName: definition.name,
      invocationId,
      logHandler: log.forFunction(definition.name),
      triggerMetadata: { request: { method, url: url.toString() } },
    });

    const started = performance.now();
    let result: HttpResponseInit | HttpResponseType | void;
    try {
      result = await definition.handler(request, context);
    } catch (error) {
      log.error(definition.name, `threw (invocation ${invocationId}):`, error);
      return sendJson(res, 500, { error: `${definition.name} failed; see the host's log for invocation ${invocationId}` });
    }
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    const bytes = Buffer.from(await response.arrayBuffer());
    res.statusCode = response.status;
    response.headers.forEach((value, name) => res.setHeader(name, value));
    for (const cookie of response.cookies) {
      res.appendHeader('set-cookie', `${cookie.name}=${cookie.value}${cookie.path ? `; Path=${cookie.path}` : ''}${cookie.httpOnly ? '; HttpOnly' : ''}${cookie.secure ? '; Secure' : ''}`);
    }
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    log.debug(definition.name, `${method} ${path} → ${response.status} in ${(performance.now() - started).toFixed(1)} ms`);
  }

  /**
   * As the Functions host answers an unknown route or a method the function does not list: an
   * empty 404 (no 405), so a client tested here behaves the same in Azure. What is served goes
   * to the log instead.
   */
  function notFound(res: ServerResponse, method: string, path: string): void {
    log.info('http', `404: no function serves ${method} ${path}; served: ${routes.map((r) => `${[...r.methods].join('|')} ${prefix}/${r.definition.route}`).join(', ')}`);
    res.statusCode = 404;
    res.setHeader('content-length', 0);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is already in use: stop what uses it or set LOCAL_HTTP_PORT / --port (0 = any free port)`)
          : error,
      ),
    );
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    baseUrl: `http://localhost:${port}`,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await Promise.allSettled([...inFlight]);
      server.closeIdleConnections();
      await closed;
      clearTimeout(timer);
    },
  };
}

function hasValidKey(req: IncomingMessage, url: URL, expected: string | undefined): boolean {
  if (expected === undefined) return true;
  const given = url.searchParams.get('code') ?? headerValue(req, 'x-functions-key');
  if (given === undefined || given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep reading into the void so the 413 reaches a client that is still sending.
        req.off('data', onData);
        req.resume();
        resolve('too-large');
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}
