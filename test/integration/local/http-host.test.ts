import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { startHttpHost } from '../../../tools/local-host/http-host.js';
import { silentLog } from '../../../tools/local-host/log.js';

const echo: HttpFunctionDefinition = {
  kind: 'http',
  name: 'echo',
  route: 'github/webhooks',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request, context) => {
    const bytes = Buffer.from(await request.arrayBuffer());
    return {
      status: 202,
      headers: { 'x-invocation': context.invocationId },
      jsonBody: {
        function: context.functionName,
        method: request.method,
        delivery: request.headers.get('x-github-delivery'),
        length: bytes.length,
        sha: bytes.toString('hex').slice(0, 16),
        query: Object.fromEntries(request.query),
      },
    };
  },
};

const session: HttpFunctionDefinition = {
  kind: 'http',
  name: 'session-get',
  route: 'sessions/{bot}/{*sessionId}',
  methods: ['GET', 'DELETE'],
  authLevel: 'function',
  handler: async (request) => ({ jsonBody: { params: request.params, method: request.method } }),
};

const hot: HttpFunctionDefinition = {
  kind: 'http',
  name: 'sessions-hot',
  route: 'sessions/hot',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => ({ status: 200, body: 'hot sessions' }),
};

const broken: HttpFunctionDefinition = {
  kind: 'http',
  name: 'broken',
  route: 'broken',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    throw new Error('secret detail');
  },
};

test('serves definitions under /api with bytes, headers, params and query intact, and the response as the handler built it', async () => {
  const host = await startHttpHost({ definitions: [echo, session, hot, broken], port: 0, log: silentLog });
  try {
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const res = await fetch(`${host.baseUrl}/api/github/webhooks?x=1&y=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-github-delivery': 'abc-123' },
      body,
    });
    assert.equal(res.status, 202);
    assert.match(res.headers.get('x-invocation') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await res.json(), {
      function: 'echo',
      method: 'POST',
      delivery: 'abc-123',
      length: 70_000,
      sha: body.toString('hex').slice(0, 16),
      query: { x: '1', y: '2' },
    });

    const params = await (await fetch(`${host.baseUrl}/api/sessions/merge-warden/pr-octo%2Fhello-42`)).json();
    assert.deepEqual(params, { params: { bot: 'merge-warden', sessionId: 'pr-octo/hello-42' }, method: 'GET' });

    // The literal route wins over the parameter route that also matches.
    const hotRes = await fetch(`${host.baseUrl}/api/sessions/hot`);
    assert.equal(await hotRes.text(), 'hot sessions');
  } finally {
    await host.close();
  }
});

test('an unknown route or a method the function does not list is an empty 404, as from the Functions host; a throw 500 without the error text', async () => {
  const host = await startHttpHost({ definitions: [echo, session, broken], port: 0, log: silentLog });
  try {
    for (const [url, init] of [
      [`${host.baseUrl}/api/nope`, {}],
      [`${host.baseUrl}/elsewhere`, {}],
      [`${host.baseUrl}/api/github/webhooks`, {}],
      [`${host.baseUrl}/api/github/webhooks`, { method: 'PUT', body: '{}' }],
    ] as const) {
      const answer = await fetch(url, init);
      assert.equal(answer.status, 404, `${init.method ?? 'GET'} ${url}`);
      assert.equal(await answer.text(), '', `${init.method ?? 'GET'} ${url} has an empty body`);
      assert.equal(answer.headers.get('allow'), null);
    }

    const failed = await fetch(`${host.baseUrl}/api/broken`);
    assert.equal(failed.status, 500);
    assert.doesNotMatch(await failed.text(), /secret detail/);
  } finally {
    await host.close();
  }
});

test('function-level auth: any key without LOCAL_FUNCTION_KEY, exactly that key with it', async () => {
  const open = await startHttpHost({ definitions: [session], port: 0, log: silentLog });
  try {
    assert.equal((await fetch(`${open.baseUrl}/api/sessions/a/b`)).status, 200);
  } finally {
    await open.close();
  }
  const keyed = await startHttpHost({ definitions: [session], port: 0, functionKey: 'k3y', log: silentLog });
  try {
    assert.equal((await fetch(`${keyed.baseUrl}/api/sessions/a/b`)).status, 401);
    assert.equal((await fetch(`${keyed.baseUrl}/api/sessions/a/b?code=wrong`)).status, 401);
    assert.equal((await fetch(`${keyed.baseUrl}/api/sessions/a/b?code=k3y`)).status, 200);
    assert.equal((await fetch(`${keyed.baseUrl}/api/sessions/a/b`, { headers: { 'x-functions-key': 'k3y' } })).status, 200);
  } finally {
    await keyed.close();
  }
});

test('bodies over the limit answer 413 before the handler runs', async () => {
  let called = false;
  const definition: HttpFunctionDefinition = { ...echo, handler: async () => ((called = true), { status: 202 }) };
  const host = await startHttpHost({ definitions: [definition], port: 0, maxBodyBytes: 1024, log: silentLog });
  try {
    const res = await fetch(`${host.baseUrl}/api/github/webhooks`, { method: 'POST', body: Buffer.alloc(4096) });
    assert.equal(res.status, 413);
    assert.equal(called, false);
  } finally {
    await host.close();
  }
});

test('close() lets a request in flight finish, then refuses new connections', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  const slow: HttpFunctionDefinition = {
    ...echo,
    handler: async () => {
      entered();
      await gate;
      return { status: 202, jsonBody: { done: true } };
    },
  };
  const host = await startHttpHost({ definitions: [slow], port: 0, log: silentLog });
  const pending = fetch(`${host.baseUrl}/api/github/webhooks`, { method: 'POST', body: '{}' });
  await inHandler;
  const closing = host.close();
  release();
  const res = await pending;
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { done: true });
  await closing;
  await assert.rejects(fetch(`${host.baseUrl}/api/github/webhooks`, { method: 'POST', body: '{}' }));
});

test('a busy port is refused with a message naming LOCAL_HTTP_PORT', async () => {
  const first = await startHttpHost({ definitions: [echo], port: 0, log: silentLog });
  try {
    await assert.rejects(startHttpHost({ definitions: [echo], port: first.port, log: silentLog }), /already in use.*LOCAL_HTTP_PORT/);
  } finally {
    await first.close();
  }
});
