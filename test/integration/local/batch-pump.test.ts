import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationContext } from '@azure/functions';
import type { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusBatchHandler, ServiceBusQueueFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import type { PumpStats } from '../../../tools/local-host/invoke-and-settle.js';
import { startMessagePump } from '../../../tools/local-host/message-pump.js';
import { startSessionPump } from '../../../tools/local-host/session-pump.js';
import { createLog } from '../../../tools/local-host/log.js';
import { eventually, fastRetries, withDevBroker, wrapFirstAcceptedSession } from '../../support/dev-broker-fixture.js';

// A toy batch handler (cardinality 'many') through the local host's pumps, against the dev broker and
// the real @azure/service-bus: what the Functions host's batch loop does, as the batch contract says.

const QUEUE = 'bot-batch';
const definition = (handler: ServiceBusBatchHandler, isSessionsEnabled = true): ServiceBusQueueFunctionDefinition => ({
  kind: 'serviceBusQueue',
  cardinality: 'many',
  name: 'bot-batch',
  queueName: QUEUE,
  connection: 'ServiceBusConnection',
  isSessionsEnabled,
  handler,
});
const hostOptions = {
  maxConcurrentSessions: 4,
  maxConcurrentCalls: 16,
  sessionIdleTimeoutMs: 200,
  maxAutoLockRenewalDurationMs: 60_000,
  functionTimeoutMs: 60_000,
  maxMessageBatchSize: 4,
};

interface Body {
  sessionId: string;
  n: number;
}
interface Call {
  bodies: Body[];
  metadata: Record<string, unknown[]>;
}

async function send(client: ServiceBusClient, messages: { sessionId?: string; n: number }[]): Promise<void> {
  const sender = client.createSender(QUEUE);
  try {
    for (const m of messages) {
      const sessionId = m.sessionId ?? 'none';
      await sender.sendMessages({
        body: { sessionId, n: m.n },
        sessionId: m.sessionId,
        messageId: `${sessionId}#${m.n}`,
        subject: `event-${m.n}`,
        contentType: 'application/json',
        correlationId: `corr-${m.n}`,
        applicationProperties: { n: m.n },
      });
    }
  } finally {
    await sender.close();
  }
}

const record = (calls: Call[], bodies: unknown[], context: InvocationContext) =>
  calls.push({ bodies: bodies as Body[], metadata: context.triggerMetadata as Record<string, unknown[]> });
const count = (calls: Call[]) => calls.reduce((sum, call) => sum + call.bodies.length, 0);

interface RunningTrigger {
  calls: Call[];
  /** The pump's log, every level. */
  lines: string[];
  stats(): PumpStats & { sessionsAccepted?: number };
  /**
   * Resolves when `predicate` holds; fails after 20 s (far past what any of these runs takes) with the
   * batches so far, so a pump that never gets there fails the test instead of hanging the whole run.
   */
  until(predicate: () => boolean): Promise<void>;
}

/**
 * Runs the toy batch handler through the local host's session pump (or, with `sessions: false`, its
 * message pump): each batch is recorded, then `onBatch` runs as the rest of the handler; `drive` waits
 * for what the test needs, then the pump is stopped (also when `drive` fails).
 */
async function runBatchTrigger(
  client: ServiceBusClient,
  options: { sessions?: boolean; host?: Partial<typeof hostOptions>; onBatch?: (calls: Call[]) => unknown },
  drive: (trigger: RunningTrigger) => Promise<void>,
): Promise<{ calls: Call[]; lines: string[]; stats: PumpStats & { sessionsAccepted?: number } }> {
  const { sessions = true, host, onBatch } = options;
  const calls: Call[] = [];
  const lines: string[] = [];
  const pumpOptions = {
    client,
    definition: definition(async (bodies, context) => {
      record(calls, bodies, context);
      await onBatch?.(calls);
    }, sessions),
    hostOptions: { ...hostOptions, ...host },
    log: createLog('debug', (line) => lines.push(line)),
  };
  const pump = sessions ? startSessionPump(pumpOptions) : startMessagePump(pumpOptions);
  const until = (predicate: () => boolean) =>
    eventually(predicate, 'the batches the test waits for', 20_000).catch((error: Error) => {
      const batches = calls.map((call) => call.metadata['messageIdArray']);
      throw new Error(`${error.message}; batches so far ${JSON.stringify(batches)}, pump ${JSON.stringify(pump.stats())}`);
    });
  try {
    await drive({ calls, lines, stats: () => pump.stats(), until });
  } finally {
    await pump.stop();
  }
  return { calls, lines, stats: pump.stats() };
}

test('a session batch trigger: each invocation gets one session run in order, at most maxMessageBatchSize, every message once, the sessions one after another', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ broker, client, newClient }) => {
    const sessions = ['pr-octo/a', 'pr-octo/b', 'pr-octo/c'];
    // Interleaved in the queue, as webhooks arrive.
    await send(client, Array.from({ length: 10 }, (_, n) => sessions.map((sessionId) => ({ sessionId, n }))).flat());
    let running = 0;
    let maxRunning = 0;
    const { calls, stats } = await runBatchTrigger(
      newClient(fastRetries),
      {
        onBatch: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
        },
      },
      (trigger) => trigger.until(() => count(trigger.calls) === 30),
    );
    for (const call of calls) {
      assert.ok(call.bodies.length >= 1 && call.bodies.length <= 4, `batch of ${call.bodies.length}: at most maxMessageBatchSize`);
      assert.equal(new Set(call.bodies.map((body) => body.sessionId)).size, 1, 'one session per batch');
    }
    assert.ok(
      calls.some((call) => call.bodies.length > 1),
      'several waiting messages come in one batch',
    );
    for (const sessionId of sessions) {
      const ns = calls.flatMap((call) => call.bodies.filter((body) => body.sessionId === sessionId).map((body) => body.n));
      assert.deepEqual(ns, [...Array(10).keys()], `${sessionId}: in order within and across batches, each once`);
    }
    assert.equal(maxRunning, 1, 'the host runs a batch trigger one invocation at a time (maxConcurrentSessions does not apply)');
    assert.equal(stats.completed, 30);
    assert.equal(broker.queueStats(QUEUE).active, 0, 'all completed');
  });
});

test('a batch gets the bodies and the host trigger metadata arrays, entry i for body i', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ client, newClient }) => {
    await send(
      client,
      Array.from({ length: 3 }, (_, n) => ({ sessionId: 'issue-octo/7', n })),
    );
    const { calls } = await runBatchTrigger(newClient(fastRetries), { host: { maxMessageBatchSize: 10 } }, (trigger) =>
      trigger.until(() => count(trigger.calls) === 3),
    );
    assert.equal(calls.length, 1, 'three waiting messages: one invocation');
    const [{ bodies, metadata }] = calls as [Call];
    assert.deepEqual(
      bodies,
      [0, 1, 2].map((n) => ({ sessionId: 'issue-octo/7', n })),
    );
    assert.equal(metadata['sessionId'], undefined, 'no single sessionId for a batch');
    assert.deepEqual(metadata['messageIdArray'], ['issue-octo/7#0', 'issue-octo/7#1', 'issue-octo/7#2']);
    assert.deepEqual(metadata['sessionIdArray'], ['issue-octo/7', 'issue-octo/7', 'issue-octo/7']);
    assert.deepEqual(metadata['deliveryCountArray'], [1, 1, 1], "the host's count: 1 on the first delivery");
    assert.deepEqual(metadata['subjectArray'], ['event-0', 'event-1', 'event-2']);
    assert.deepEqual(metadata['correlationIdArray'], ['corr-0', 'corr-1', 'corr-2']);
    assert.deepEqual(metadata['contentTypeArray'], ['application/json', 'application/json', 'application/json']);
    assert.deepEqual(metadata['applicationPropertiesArray'], [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.deepEqual(metadata['userPropertiesArray'], [{ n: 0 }, { n: 1 }, { n: 2 }]);
    const sequence = metadata['sequenceNumberArray'] as number[];
    assert.ok(
      sequence.every((value, i) => typeof value === 'number' && (i === 0 || value > sequence[i - 1]!)),
      `sequence numbers rise: ${sequence.join(',')}`,
    );
    for (const value of metadata['enqueuedTimeUtcArray']!) assert.match(String(value), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // No time to live set: the queue's default, far in the future (an ISO date with a +year).
    for (const value of metadata['expiresAtUtcArray']!) assert.ok(!Number.isNaN(Date.parse(String(value))), String(value));
    assert.equal(new Set(metadata['lockTokenArray']).size, 3, 'a lock token per message');
  });
});

test('a batch handler that throws: the whole batch is abandoned and comes back whole, in order, with deliveryCount 2', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ broker, client, newClient }) => {
    await send(
      client,
      Array.from({ length: 3 }, (_, n) => ({ sessionId: 'pr-octo/fails-once', n })),
    );
    const { calls, stats } = await runBatchTrigger(
      newClient(fastRetries),
      {
        host: { maxMessageBatchSize: 10 },
        onBatch: (sofar) => {
          if (sofar.length === 1) throw new Error('transient failure');
        },
      },
      (trigger) => trigger.until(() => count(trigger.calls) === 6),
    );
    assert.deepEqual(
      calls.map((call) => call.bodies.map((body) => body.n)),
      [
        [0, 1, 2],
        [0, 1, 2],
      ],
    );
    assert.deepEqual(calls[0]!.metadata['deliveryCountArray'], [1, 1, 1]);
    assert.deepEqual(calls[1]!.metadata['deliveryCountArray'], [2, 2, 2]);
    assert.deepEqual(stats, { completed: 3, abandoned: 3, timedOut: 0, sessionsAccepted: stats.sessionsAccepted });
    assert.equal(broker.queueStats(QUEUE).active, 0);
  });
});

test(
  'a batch handler past functionTimeout: the whole batch is abandoned and redelivered, its late return settles nothing',
  { timeout: 30_000 },
  async () => {
    await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ broker, client, newClient }) => {
      await send(
        client,
        Array.from({ length: 3 }, (_, n) => ({ sessionId: 'pr-octo/hangs-once', n })),
      );
      let releaseHung!: () => void;
      const hung = new Promise<void>((resolve) => (releaseHung = resolve));
      const { calls, lines, stats } = await runBatchTrigger(
        newClient(fastRetries),
        {
          // Well above event-loop stalls of a loaded full run (see session-pump.test.ts).
          host: { maxMessageBatchSize: 10, functionTimeoutMs: 1_500 },
          onBatch: async (sofar) => {
            if (sofar.length === 1) await hung;
          },
        },
        async (trigger) => {
          try {
            await trigger.until(() => trigger.stats().completed === 3);
            releaseHung();
            await trigger.until(() => trigger.lines.some((line) => /returned after \d+ ms; ignored/.test(line)));
          } finally {
            releaseHung();
          }
        },
      );
      assert.deepEqual(
        calls.map((call) => call.metadata['deliveryCountArray']),
        [
          [1, 1, 1],
          [2, 2, 2],
        ],
      );
      assert.deepEqual(
        calls[1]!.bodies.map((body) => body.n),
        [0, 1, 2],
      );
      assert.ok(
        lines.some(
          (line) =>
            line.includes(' ERROR ') && /timed out after 1500 ms .*3 messages pr-octo\/hangs-once#0 … pr-octo\/hangs-once#2/.test(line),
        ),
        lines.join('\n'),
      );
      assert.ok(!lines.some((line) => line.includes('could not settle')), 'the late return tried to settle nothing');
      assert.deepEqual(stats, { completed: 3, abandoned: 3, timedOut: 1, sessionsAccepted: stats.sessionsAccepted });
      assert.equal(broker.queueStats(QUEUE).active, 0);
      assert.equal(broker.queueStats(QUEUE).locked, 0);
    });
  },
);

test('a batch trigger on a queue without sessions: batches of at most maxMessageBatchSize, every message once; a throw abandons the whole batch', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10, requiresSession: false }], async ({ broker, client, newClient }) => {
    await send(
      client,
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    const { calls, stats } = await runBatchTrigger(
      newClient(fastRetries),
      {
        sessions: false,
        onBatch: (sofar) => {
          if (sofar.length === 1) throw new Error('transient failure');
        },
      },
      (trigger) => trigger.until(() => trigger.stats().completed === 10),
    );
    for (const call of calls) assert.ok(call.bodies.length <= 4, `batch of ${call.bodies.length}`);
    assert.ok(
      calls.some((call) => call.bodies.length > 1),
      'several waiting messages come in one batch',
    );
    const first = calls[0]!.bodies.map((body) => body.n);
    const redelivered = calls
      .slice(1)
      .flatMap((call, i) => call.bodies.map((body, j) => ({ n: body.n, count: calls[i + 1]!.metadata['deliveryCountArray']![j] })))
      .filter(({ n }) => first.includes(n));
    assert.deepEqual(redelivered.map(({ n }) => n).sort(), [...first].sort(), 'every message of the failed batch came back');
    assert.ok(
      redelivered.every(({ count }) => count === 2),
      'each with deliveryCount 2',
    );
    const completedOnce = calls.slice(1).flatMap((call) => call.bodies.map((body) => body.n));
    assert.deepEqual(
      [...completedOnce].sort((a, b) => a - b),
      [...Array(10).keys()],
      'each message completed once',
    );
    assert.equal(stats.abandoned, first.length);
    assert.equal(broker.queueStats(QUEUE).active, 0);
  });
});

test('a receiver whose link closed during the batch receive (a drain not answered in time) releases the session without running the batch; the next receiver runs it once', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10 }], async ({ client, newClient }) => {
    await send(
      client,
      Array.from({ length: 3 }, (_, n) => ({ sessionId: 'pr-octo/drain', n })),
    );
    // The first receiver looks as @azure/service-bus leaves one after tryDrainReceiver timed out: closed.
    const closing = wrapFirstAcceptedSession(newClient(fastRetries), (receiver) => {
      let receives = 0;
      return new Proxy(receiver, {
        get: (r, p) => {
          if (p === 'isClosed') return receives >= 2;
          if (p === 'receiveMessages') return (...a: Parameters<typeof r.receiveMessages>) => (receives++, r.receiveMessages(...a));
          return Reflect.get(r, p, r) as unknown;
        },
      });
    });
    const { calls, lines } = await runBatchTrigger(closing, { host: { maxMessageBatchSize: 10 } }, (trigger) =>
      trigger.until(() => count(trigger.calls) >= 3),
    );
    assert.deepEqual(
      calls.map((call) => call.metadata['deliveryCountArray']),
      [[2, 2, 2]],
      'run once, by the second receiver',
    );
    assert.ok(
      lines.some((line) => line.includes('ReceiverClosedWhileReceiving')),
      lines.join('\n'),
    );
  });
});

test(
  'a batch trigger never renews the session lock (as on Azure): a session busy past lockDuration loses it, its in-flight batch cannot be completed and comes back with deliveryCount 2',
  { timeout: 30_000 },
  async () => {
    await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10, lockDurationMs: 2_000 }], async ({ broker, client, newClient }) => {
      await send(
        client,
        Array.from({ length: 2 }, (_, n) => ({ sessionId: 'pr-octo/slow', n })),
      );
      const { calls, lines, stats } = await runBatchTrigger(
        newClient(fastRetries),
        {
          // functionTimeout and the renewal window far above the lock: only the missing renewal can lose it.
          host: { maxMessageBatchSize: 10, functionTimeoutMs: 20_000, maxAutoLockRenewalDurationMs: 60_000 },
          // The first run outlives the 2 s session lock and returns normally; the redelivery is quick.
          onBatch: async (sofar) => {
            if (sofar.length === 1) await new Promise((resolve) => setTimeout(resolve, 3_000));
          },
        },
        (trigger) => trigger.until(() => trigger.stats().completed === 2),
      );
      assert.deepEqual(
        calls.map((call) => call.metadata['deliveryCountArray']),
        [
          [1, 1],
          [2, 2],
        ],
        'the batch whose handler returned after the lock expired is delivered again, whole',
      );
      assert.deepEqual(
        calls[1]!.bodies.map((body) => body.n),
        [0, 1],
      );
      assert.ok(
        lines.some(
          (line) =>
            line.includes(' WARN ') &&
            /the lock on session pr-octo\/slow expired \d+ ms after its accept .*never renews it.*2 messages .* could not be settled/.test(
              line,
            ),
        ),
        lines.join('\n'),
      );
      assert.equal(stats.completed, 2, 'completed once, by the second run');
      assert.equal(broker.queueStats(QUEUE).active, 0);
      assert.equal(broker.queueStats(QUEUE).deadLetter, 0);
    });
  },
);

test(
  'a batch trigger without sessions renews no message lock either: a batch running past lockDuration cannot be completed and comes back with deliveryCount 2',
  { timeout: 30_000 },
  async () => {
    await withDevBroker(
      [{ name: QUEUE, maxDeliveryCount: 10, requiresSession: false, lockDurationMs: 2_000 }],
      async ({ broker, client, newClient }) => {
        await send(
          client,
          Array.from({ length: 2 }, (_, n) => ({ n })),
        );
        const { calls } = await runBatchTrigger(
          newClient(fastRetries),
          {
            sessions: false,
            host: { functionTimeoutMs: 20_000, maxMessageBatchSize: 10 },
            onBatch: async (sofar) => {
              if (sofar.length === 1) await new Promise((resolve) => setTimeout(resolve, 3_000));
            },
          },
          (trigger) => trigger.until(() => trigger.stats().completed === 2),
        );
        assert.deepEqual(
          calls.map((call) => call.metadata['deliveryCountArray']),
          [
            [1, 1],
            [2, 2],
          ],
        );
        assert.equal(broker.queueStats(QUEUE).active, 0);
        assert.equal(broker.queueStats(QUEUE).deadLetter, 0);
      },
    );
  },
);

test('a batch trigger without sessions stopped while a batch arrives: the batch is not run (stop no longer waits for it) and is back in the queue for the next host', async () => {
  await withDevBroker([{ name: QUEUE, maxDeliveryCount: 10, requiresSession: false }], async ({ broker, client, newClient }) => {
    await send(
      client,
      Array.from({ length: 2 }, (_, n) => ({ n })),
    );
    const real = newClient(fastRetries);
    const calls: unknown[] = [];
    let stopped: Promise<void> | undefined;
    // The pump is told to stop the moment its batch receive has the messages in hand (the first, then the rest).
    let receives = 0;
    const stopOnReceive = new Proxy(real, {
      get(target, property) {
        if (property !== 'createReceiver') return Reflect.get(target, property, target) as unknown;
        return (...args: Parameters<typeof target.createReceiver>) => {
          const receiver = target.createReceiver(...args);
          return new Proxy(receiver, {
            get: (r, p) =>
              p === 'receiveMessages'
                ? async (...a: Parameters<typeof r.receiveMessages>) => {
                    const messages = await r.receiveMessages(...a);
                    if (++receives === 2) stopped ??= pump.stop(5_000);
                    return messages;
                  }
                : (Reflect.get(r, p, r) as unknown),
          });
        };
      },
    });
    const pump = startMessagePump({
      client: stopOnReceive,
      definition: definition(async (bodies) => void calls.push(bodies), false),
      hostOptions: { ...hostOptions, maxMessageBatchSize: 10 },
      log: createLog('none', () => undefined),
    });
    await eventually(() => stopped !== undefined, 'the first receive');
    await stopped;
    assert.deepEqual(calls, [], 'nothing runs once the host is stopping');
    // (The development broker also frees a closed receiver's locks, so these hold either way; on Azure the abandon is what frees them.)
    assert.equal(broker.queueStats(QUEUE).locked, 0);
    assert.equal(broker.queueStats(QUEUE).active, 2);
  });
});
