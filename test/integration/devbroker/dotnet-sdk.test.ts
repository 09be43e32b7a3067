import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { ServiceBusClient } from '@azure/service-bus';
import { parseTimeSpan } from '../../../src/config/parse-time-span.js';
import { toServiceBusMessage } from '../../../src/transport/to-service-bus-message.js';
import { envelopeBytes } from '../../../src/transport/envelope-bytes.js';
import { repoRoot } from '../../support/bicep-cli.js';
import { fastRetries } from '../../support/dev-broker-fixture.js';
import { envelopeFor } from '../../support/envelopes.js';
import { example } from '../../support/example-payloads.js';
import {
  buildDotnetDriver,
  dotnetSkipReason,
  runDotnetDriver,
  startBrokerCommand,
  type ScenarioResult,
} from '../../support/dotnet-driver.js';

// The Functions host's Service Bus extension talks to Service Bus with the .NET SDK (Azure.Messaging.ServiceBus),
// not @azure/service-bus: `func start` + `npm run broker` works only if the broker speaks to that SDK too.
// One run of test/dotnet/ServiceBusDriver against `npm run broker`; each test below checks one scenario of it.

/** Short locks keep "held past the lock duration" fast; PT5S is the shortest bots.json (and Service Bus) allows. */
const LOCK_MS = 5_000;
const SESSIONS = ['pr-1', 'pr-2', 'issue-7', 'push-main'];
const PER_SESSION = 6;
const POISON_MAX_DELIVERIES = 3;
const bot = (queue: string, maxDeliveryCount = 5) => ({
  name: queue,
  queue,
  events: ['push'],
  delivery: { lockDuration: 'PT5S', maxDeliveryCount, duplicateDetectionWindow: 'PT10M' },
});
/** What the webhook sends, built by the app's own code: the host must read it as the app wrote it. */
const fromJs = {
  bot: 'task-tactician',
  sessionId: 'from-js-1',
  messageId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  envelope: envelopeFor('issues', example('issues', 'opened')),
};

interface HostServiceBus {
  maxConcurrentSessions: number;
  sessionIdleTimeout: string;
  maxAutoLockRenewalDuration: string;
  autoCompleteMessages: boolean;
  prefetchCount: number;
}

describe('the development broker with the .NET SDK (Azure.Messaging.ServiceBus)', { timeout: 240_000 }, () => {
  let results: Map<string, ScenarioResult> | undefined;
  let host: HostServiceBus;
  let dir: string | undefined;

  before(async () => {
    host = (JSON.parse(await readFile(join(repoRoot, 'host.json'), 'utf8')) as { extensions: { serviceBus: HostServiceBus } }).extensions
      .serviceBus;
    const dll = await buildDotnetDriver();
    if (dll === undefined) {
      console.error(`\n${'#'.repeat(100)}\n## ${dotnetSkipReason}\n${'#'.repeat(100)}\n`);
      return;
    }
    dir = await mkdtemp(join(tmpdir(), 'dotnet-sdk-'));
    const botsPath = join(dir, 'bots.json');
    await writeFile(
      botsPath,
      JSON.stringify({ bots: [bot('dotnet-processor'), bot('dotnet-receivers'), bot('dotnet-poison', POISON_MAX_DELIVERIES)] }),
    );
    const broker = await startBrokerCommand(botsPath);
    try {
      const jsClient = new ServiceBusClient(broker.connectionString, fastRetries);
      try {
        await jsClient.createSender('dotnet-receivers').sendMessages(toServiceBusMessage({ ...fromJs, queue: 'dotnet-receivers' }));
      } finally {
        await jsClient.close();
      }
      results = await runDotnetDriver(dll, {
        connectionString: broker.connectionString,
        processorQueue: 'dotnet-processor',
        queue: 'dotnet-receivers',
        poisonQueue: 'dotnet-poison',
        fromJsSession: fromJs.sessionId,
        lockDurationMs: LOCK_MS,
        serviceBus: host,
        sessions: SESSIONS,
        perSession: PER_SESSION,
      });
    } finally {
      await broker.stop();
    }
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The scenario's facts; fails with the driver's error; skips (loudly, above) without dotnet. */
  const scenario = (t: TestContext, name: string): ScenarioResult | undefined => {
    if (results === undefined) {
      t.skip(dotnetSkipReason);
      return undefined;
    }
    const result = results.get(name);
    assert.ok(result, `the driver printed no result for "${name}"`);
    assert.equal(result.ok, true, `${name}: ${result.error}`);
    return result;
  };

  test('connects with the development connection string (UseDevelopmentEmulator=true: plain AMQP on the port)', (t) => {
    if (results === undefined) return t.skip(dotnetSkipReason);
    assert.deepEqual(
      [...results.values()].filter((r) => !r.ok).map((r) => `${r.scenario}: ${r.error}`),
      [],
    );
  });

  test("a session processor with host.json's options gets every session in send order, once, over sends and batches", (t) => {
    const result = scenario(t, 'processor');
    if (!result) return;
    // .NET prints a TimeSpan with seven fraction digits ("00:00:00.2500000"): compare durations, not text.
    const options = result.options as Record<string, unknown>;
    const asMs = (value: unknown) => (typeof value === 'string' ? parseTimeSpan(value) : value);
    assert.deepEqual(
      {
        ...options,
        SessionIdleTimeout: asMs(options['SessionIdleTimeout']),
        MaxAutoLockRenewalDuration: asMs(options['MaxAutoLockRenewalDuration']),
      },
      {
        MaxConcurrentSessions: host.maxConcurrentSessions,
        SessionIdleTimeout: asMs(host.sessionIdleTimeout),
        MaxAutoLockRenewalDuration: asMs(host.maxAutoLockRenewalDuration),
        AutoCompleteMessages: host.autoCompleteMessages,
        PrefetchCount: host.prefetchCount,
      },
    );
    assert.deepEqual(result.errors, []);
    const received = result.received as { session: string; body: string; deliveryCount: number }[];
    for (const session of SESSIONS) {
      assert.deepEqual(
        received.filter((r) => r.session === session).map((r) => r.body),
        Array.from({ length: PER_SESSION }, (_, i) => `${session}#${i}`),
        `session ${session} in send order, each message once`,
      );
    }
    assert.equal(received.length, SESSIONS.length * PER_SESSION, 'the copies with a known MessageId were dropped');
    assert.ok(
      received.every((r) => r.deliveryCount === 1),
      'no message was delivered twice',
    );
    assert.ok((result.maxConcurrentHandlers as number) > 1, 'sessions were processed side by side');
    assert.equal(result.sessionWithMessagesLeft, null, 'auto-complete removed every message');
  });

  test('the processor renews the session lock while a handler runs past the lock duration', (t) => {
    const result = scenario(t, 'processor');
    if (!result) return;
    const before = Date.parse(result.sessionLockedUntilBeforeSlowHandler as string);
    const after = Date.parse(result.sessionLockedUntilAfterSlowHandler as string);
    assert.ok(
      after > before,
      `locked until ${String(result.sessionLockedUntilAfterSlowHandler)} after, ${String(result.sessionLockedUntilBeforeSlowHandler)} before`,
    );
    assert.deepEqual(result.errors, [], 'the slow message completed: its session lock was never lost');
  });

  test('RenewSessionLockAsync keeps a session past its lock duration', (t) => {
    const result = scenario(t, 'renewSessionLock');
    if (!result) return;
    const lockedUntil = (result.lockedUntil as string[]).map(Date.parse);
    assert.equal(lockedUntil.length, 3);
    assert.ok(
      lockedUntil[1]! > lockedUntil[0]! && lockedUntil[2]! > lockedUntil[1]!,
      `each renewal moves the lock on: ${String(result.lockedUntil)}`,
    );
    assert.ok((result.heldForMs as number) > LOCK_MS);
    assert.equal(result.completed, true);
  });

  test('an abandoned message is redelivered first, with DeliveryCount 2', (t) => {
    const result = scenario(t, 'abandon');
    if (!result) return;
    const deliveries = (result.deliveries as { body: string; deliveryCount: number; sequenceNumber: number }[]).map(
      ({ body, deliveryCount }) => ({ body, deliveryCount }),
    );
    assert.deepEqual(deliveries, [
      { body: 'first', deliveryCount: 1 },
      { body: 'first', deliveryCount: 2 },
      { body: 'second', deliveryCount: 1 },
    ]);
  });

  test("a session receiver's ReceiveMessagesAsync(n), as the host's batch trigger calls it, gets the waiting messages in order, several per call, at most n; abandoning a batch brings it back whole, completing it takes it", (t) => {
    const result = scenario(t, 'sessionBatch');
    if (!result) return;
    const batches = (result.batches as { body: string; deliveryCount: number }[][]).map((batch) =>
      batch.map(({ body, deliveryCount }) => `${body}@${deliveryCount}`),
    );
    const first = ['b0', 'b1', 'b2', 'b3'];
    assert.deepEqual(batches, [
      first.map((body) => `${body}@1`),
      first.map((body) => `${body}@2`),
      ['b4', 'b5', 'b6', 'b7', 'b8', 'b9'].map((body) => `${body}@1`),
      [],
    ]);
  });

  test('session state set by one receiver is read by the next, and null clears it', (t) => {
    const result = scenario(t, 'sessionState');
    if (!result) return;
    assert.deepEqual(
      { readBack: result.readBack, afterReaccept: result.afterReaccept, afterClear: result.afterClear },
      { readBack: 'cursor=42', afterReaccept: 'cursor=42', afterClear: null },
    );
  });

  test('a dead-lettered message is read from the dead-letter sub-queue with its reason and description', (t) => {
    const result = scenario(t, 'deadLetter');
    if (!result) return;
    assert.match(result.entityPath as string, /^dotnet-receivers\/\$deadletterqueue$/i);
    assert.deepEqual(
      {
        body: result.body,
        sessionId: result.sessionId,
        deadLetterReason: result.deadLetterReason,
        deadLetterErrorDescription: result.deadLetterErrorDescription,
        deadLetterSource: result.deadLetterSource,
      },
      {
        body: 'poison',
        sessionId: 'dead-letter-1',
        deadLetterReason: 'PayloadInvalid',
        deadLetterErrorDescription: "field 'action' is missing",
        deadLetterSource: 'dotnet-receivers',
      },
    );
  });

  test('peek shows a session in order without taking its messages', (t) => {
    const result = scenario(t, 'peek');
    if (!result) return;
    const peeked = result.peeked as { body: string; sequenceNumber: number }[];
    assert.deepEqual(
      peeked.map((m) => m.body),
      ['p1', 'p2', 'p3'],
    );
    assert.ok(peeked[0]!.sequenceNumber < peeked[1]!.sequenceNumber && peeked[1]!.sequenceNumber < peeked[2]!.sequenceNumber);
    assert.deepEqual(result.receivedAfterPeek, ['p1', 'p2', 'p3']);
  });

  test("the service's refusals reach the SDK as its failure reasons", (t) => {
    const result = scenario(t, 'refusals');
    if (!result) return;
    assert.deepEqual(
      { sessionHeld: result.sessionHeld, unknownQueue: result.unknownQueue },
      { sessionHeld: 'SessionCannotBeLocked', unknownQueue: 'MessagingEntityNotFound' },
    );
  });

  test('a handler that keeps failing is redelivered with DeliveryCount 1, 2, 3, then dead-lettered as MaxDeliveryCountExceeded', (t) => {
    const result = scenario(t, 'poison');
    if (!result) return;
    assert.deepEqual(result.deliveryCounts, [1, 2, 3]);
    assert.equal(result.userErrors, POISON_MAX_DELIVERIES, 'the processor reported each handler failure and abandoned the message');
    assert.equal(result.deadLetterReason, 'MaxDeliveryCountExceeded');
  });

  test("a message the app sends with @azure/service-bus reads in the host's SDK as sent: data body, properties, UTC time", (t) => {
    const result = scenario(t, 'fromJs');
    if (!result) return;
    const sent = toServiceBusMessage({ ...fromJs, queue: 'dotnet-receivers' });
    assert.deepEqual(
      {
        messageId: result.messageId,
        sessionId: result.sessionId,
        contentType: result.contentType,
        subject: result.subject,
        bodyKind: result.bodyKind,
        body: result.body,
        applicationProperties: result.applicationProperties,
        enqueuedTimeOffsetMinutes: result.enqueuedTimeOffsetMinutes,
        deliveryCount: result.deliveryCount,
      },
      {
        messageId: fromJs.messageId,
        sessionId: fromJs.sessionId,
        contentType: 'application/json',
        subject: sent.subject,
        bodyKind: 'Data',
        body: envelopeBytes(fromJs.envelope).toString('utf8'),
        applicationProperties: Object.fromEntries(
          Object.entries(sent.applicationProperties ?? {}).map(([key, value]) => [
            key,
            value === null || value === undefined ? null : String(value),
          ]),
        ),
        enqueuedTimeOffsetMinutes: 0,
        deliveryCount: 1,
      },
    );
  });
});
