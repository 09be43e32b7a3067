import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import functions, { type HttpRequestInit, type HttpResponse as HttpResponseType, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../../src/functions-model/function-definitions.js';
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
    const url = requestUrl(req);
    if (url === undefined) {
      return sendJson(res, 400, { error: 'The Host header or the request target is not a valid URL' });
    }
    const foreign = foreignOrigin(req);
    if (foreign !== undefined) {
      // A browser page on another site (or a DNS-rebinding one) must not drive the local app.
      return sendJson(res, 403, {
        error: `Requests from origin ${JSON.stringify(foreign.slice(0, 200))} are refused: the local host serves only local pages and non-browser clients`,
      });
    }
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

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return sendJson(res, 413, { error: `The request body is larger than the host's limit of ${maxBodyBytes} bytes` });
    }
    const request = streamingRequest(req, method, url, match.params, maxBodyBytes);
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
      res.appendHeader(
        'set-cookie',
        `${cookie.name}=${cookie.value}${cookie.path ? `; Path=${cookie.path}` : ''}${cookie.httpOnly ? '; HttpOnly' : ''}${cookie.secure ? '; Secure' : ''}`,
      );
    }
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    // A handler that answered without reading the whole body (a 413): the rest drains into
    // the void, as the Functions host does, so the client reads the answer and nothing is held.
    if (!req.complete) {
      req.removeAllListeners('data');
      req.resume();
    }
    log.debug(definition.name, `${method} ${path} → ${response.status} in ${(performance.now() - started).toFixed(1)} ms`);
  }

  /**
   * As the Functions host answers an unknown route or a method the function does not list: an
   * empty 404 (no 405), so a client tested here behaves the same in Azure. What is served goes
   * to the log instead.
   */
  function notFound(res: ServerResponse, method: string, path: string): void {
    log.info(
      'http',
      `404: no function serves ${method} ${path}; served: ${routes.map((r) => `${[...r.methods].join('|')} ${prefix}/${r.definition.route}`).join(', ')}`,
    );
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

/**
 * The request as the Functions host hands it over with `app.setup({ enableHttpStream: true })`:
 * the body is a stream the handler reads as it needs, so a handler that refuses a body (the
 * webhook's 413) does so without it being buffered here first. @azure/functions builds the same
 * kind of request from a `Request` (`createStreamRequest`); its `nativeRequest` init field is
 * internal, hence the widened init type. Development code only. Exported for the ingress bench,
 * which serves the webhook handler through this same adapter.
 */
export function streamingRequest(
  req: IncomingMessage,
  method: string,
  url: URL,
  params: Record<string, string>,
  maxBodyBytes: number,
): InstanceType<typeof HttpRequest> {
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const nativeRequest = new Request(url, {
    method,
    headers: flattenHeaders(req),
    ...(hasBody ? { body: bodyStream(req, maxBodyBytes), duplex: 'half' } : {}),
  });
  const init: HttpRequestInit & { nativeRequest: Request } = { nativeRequest, params };
  return new HttpRequest(init);
}

/**
 * The request body as a web stream with back-pressure. Cancelling it (a reader that stopped
 * at its limit) detaches and lets the rest of the upload drain into the void, so the answer
 * still reaches a client that is still sending, and nothing more is held in memory.
 */
function bodyStream(req: IncomingMessage, maxBodyBytes: number): ReadableStream<Uint8Array> {
  let total = 0;
  const detach = () => {
    req.removeAllListeners('data');
    req.resume();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > maxBodyBytes) {
          detach();
          controller.error(new Error(`The request body is larger than the host's limit of ${maxBodyBytes} bytes`));
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.once('end', () => controller.close());
      req.once('error', (error) => controller.error(error));
      req.once('close', () => {
        if (!req.complete) controller.error(new Error('The client closed the connection before the body was complete'));
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      detach();
    },
  });
}

/** The request URL, or undefined for a Host header or target that does not form one (400, as the real host answers). */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    const host = req.headers.host ?? 'localhost';
    return new URL(req.url ?? '/', `http://${host}`);
  } catch {
    return undefined;
  }
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The Origin header when it names a page that is not on this machine; undefined when absent or local. */
function foreignOrigin(req: IncomingMessage): string | undefined {
  const origin = headerValue(req, 'origin');
  if (origin === undefined) return undefined;
  try {
    const { hostname, protocol } = new URL(origin);
    if ((protocol === 'http:' || protocol === 'https:') && (LOCAL_HOSTNAMES.has(hostname) || hostname.endsWith('.localhost')))
      return undefined;
  } catch {
    // `null` (a sandboxed or file page) and garbage are not local pages.
  }
  return origin;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}
