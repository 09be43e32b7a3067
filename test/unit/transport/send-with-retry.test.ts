import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError } from '../../../src/errors/delivery-errors.js';
import { sendWithRetry } from '../../../src/transport/send-with-retry.js';

const fast = { initialMs: 1, maxMs: 5 };
const transient = (message: string) => Object.assign(new Error(message), { code: 'ServiceCommunicationProblem', retryable: true });

test('transient failures are retried until the send succeeds', async () => {
  let calls = 0;
  const attempts = await sendWithRetry(
    async () => {
      calls += 1;
      if (calls < 3) throw transient('connection reset');
    },
    new AbortController().signal,
    fast,
  );
  assert.equal(attempts, 3);
  assert.equal(calls, 3);
});

test('a permanent Service Bus error (entity not found) stops at once as a PermanentError', async () => {
  let calls = 0;
  const notFound = Object.assign(new Error('queue bot-x does not exist'), { code: 'MessagingEntityNotFound', retryable: false });
  await assert.rejects(
    sendWithRetry(
      async () => {
        calls += 1;
        throw notFound;
      },
      new AbortController().signal,
      fast,
    ),
    (error: unknown) => error instanceof PermanentError && /MessagingEntityNotFound: queue bot-x does not exist/.test(error.message),
  );
  assert.equal(calls, 1);
});

test('a refused connection is retried even though the SDK marks it not retryable', async () => {
  let calls = 0;
  const attempts = await sendWithRetry(
    async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'GeneralError', retryable: false });
    },
    new AbortController().signal,
    fast,
  );
  assert.equal(attempts, 2);
});

test('when the budget runs out the TransientError reports the last real failure, not the abort', async () => {
  const budget = new AbortController();
  let calls = 0;
  await assert.rejects(
    sendWithRetry(
      async (signal) => {
        calls += 1;
        if (calls === 2) {
          budget.abort();
          assert.ok(signal.aborted, 'each attempt sees the budget signal');
          throw new Error('The operation was aborted.');
        }
        throw transient('connect ECONNREFUSED 127.0.0.1:1');
      },
      budget.signal,
      fast,
    ),
    (error: unknown) => error instanceof TransientError && /ECONNREFUSED/.test(error.message),
  );
  assert.equal(calls, 2);
});
