import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ensureServiceBus, parseServiceBusConnection, type StartedBroker } from '../../../tools/local-host/local-service-bus.js';
import { silentLog } from '../../../tools/local-host/log.js';

const SAMPLE =
  'Endpoint=sb://localhost:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true';

function fakeBroker() {
  const calls: number[] = [];
  const start = async (port: number): Promise<StartedBroker> => {
    calls.push(port);
    const actual = port === 0 ? 45678 : port;
    return {
      port: actual,
      connectionString: SAMPLE.replace('5672', String(actual)),
      pendingMessages: () => 0,
      close: async () => undefined,
    };
  };
  return { calls, start };
}

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('the connection string is read field by field; a broken one names what is wrong', () => {
  assert.deepEqual(parseServiceBusConnection(SAMPLE), { host: 'localhost', port: 5672, developmentEmulator: true });
  assert.deepEqual(parseServiceBusConnection('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v'), {
    host: 'ns.servicebus.windows.net',
    port: undefined,
    developmentEmulator: false,
  });
  assert.throws(() => parseServiceBusConnection('SharedAccessKeyName=k'), /no "Endpoint=sb:\/\/…" part/);
});

test('a namespace is used as it is; nothing is started', async () => {
  const broker = fakeBroker();
  const env = { ServiceBusConnection: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=secret' };
  const bus = await ensureServiceBus(env, broker.start, silentLog);
  assert.deepEqual(broker.calls, []);
  assert.equal(bus.pendingMessages, undefined);
  assert.match(bus.description, /namespace ns\.servicebus\.windows\.net/);
  assert.doesNotMatch(bus.description, /secret/);
  const identity = await ensureServiceBus(
    { ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net' },
    broker.start,
    silentLog,
  );
  assert.match(identity.description, /managed identity/);
  assert.deepEqual(broker.calls, []);
});

test('the local emulator address with nothing listening starts the development broker there and points the setting at it', async () => {
  const { server, port } = await listening();
  await new Promise<void>((resolve) => server.close(() => resolve())); // a port known to be free now
  const broker = fakeBroker();
  const env: NodeJS.ProcessEnv = { ServiceBusConnection: SAMPLE.replace('5672', String(port)) };
  const bus = await ensureServiceBus(env, broker.start, silentLog);
  assert.deepEqual(broker.calls, [port]);
  assert.equal(typeof bus.pendingMessages, 'function');
  assert.match(env.ServiceBusConnection!, new RegExp(`localhost:${port};`));
});

test('something already listening there (the official emulator) is used, not replaced', async () => {
  const { server, port } = await listening();
  try {
    const broker = fakeBroker();
    const bus = await ensureServiceBus({ ServiceBusConnection: SAMPLE.replace('5672', String(port)) }, broker.start, silentLog);
    assert.deepEqual(broker.calls, []);
    assert.match(bus.description, new RegExp(`already running at localhost:${port}`));
  } finally {
    server.close();
  }
});

test('LOCAL_BROKER_PORT always starts our broker on that port (0 = any free) and rewrites the setting', async () => {
  const broker = fakeBroker();
  const env: NodeJS.ProcessEnv = { ServiceBusConnection: SAMPLE, LOCAL_BROKER_PORT: '0' };
  await ensureServiceBus(env, broker.start, silentLog);
  assert.deepEqual(broker.calls, [0]);
  assert.match(env.ServiceBusConnection!, /localhost:45678;/);
  await assert.rejects(ensureServiceBus({ LOCAL_BROKER_PORT: 'x' }, broker.start, silentLog), /LOCAL_BROKER_PORT must be a port number/);
});
