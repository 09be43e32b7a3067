import assert from 'node:assert/strict';
import { test } from 'node:test';
import functions from '@azure/functions';
import { readBatchMessageFacts } from '../../../src/processing/read-batch-metadata.js';

const context = (metadata: Record<string, unknown>) =>
  new functions.InvocationContext({ invocationId: 'inv-1', triggerMetadata: metadata });
const base = {
  messageIdArray: ['d-1', 'd-2'],
  sequenceNumberArray: [7, 9],
  deliveryCountArray: [2, 1],
  sessionIdArray: ['pr-o/r-1', 'pr-o/r-1'],
  enqueuedTimeUtcArray: ['2026-11-29T07:42:46.755', '2026-11-29T07:42:47Z'],
  applicationPropertiesArray: [{ eventType: 'pull_request' }, {}],
};

test("a batch's facts come from the metadata arrays, entry i for message i, as the single message's facts are read", () => {
  assert.deepEqual(readBatchMessageFacts(context(base), 2, { sessions: true }), [
    {
      messageId: 'd-1',
      sessionId: 'pr-o/r-1',
      deliveryCount: 2,
      enqueuedTimeUtc: '2026-11-29T07:42:46.755Z',
      eventType: 'pull_request',
      sequenceNumber: 7n,
    },
    {
      messageId: 'd-2',
      sessionId: 'pr-o/r-1',
      deliveryCount: 1,
      enqueuedTimeUtc: '2026-11-29T07:42:47.000Z',
      eventType: null,
      sequenceNumber: 9n,
    },
  ]);
});

test('sequence numbers as the worker may pass an int64: number, decimal text, bigint or a protobuf Long; a number past 2^53 is refused', () => {
  const read = (values: unknown[]) =>
    readBatchMessageFacts(context({ ...base, sequenceNumberArray: values }), 2, { sessions: true }).map((f) => f.sequenceNumber);
  assert.deepEqual(read(['9007199254740993', 3n]), [9007199254740993n, 3n]);
  assert.deepEqual(
    read([
      { low: 1, high: 2, unsigned: false },
      { low: -1, high: 0 },
    ]),
    [(2n << 32n) + 1n, 4294967295n],
  );
  assert.throws(() => read([2 ** 60, 1]), /"sequenceNumberArray" has no usable sequence number at \[0\]: number 1152921504606847000/);
  // A negative int64 (high word below zero) is no sequence number: refused, not read as a huge unsigned one.
  assert.throws(() => read([1, { low: 5, high: -1 }]), /no usable sequence number at \[1\]: \{"low":5,"high":-1\}/);
});

test('strategy none needs no sessionIdArray; a missing, non-array or short array the pipeline needs is an error naming it', () => {
  const { sessionIdArray: _s, ...withoutSessions } = base;
  assert.equal(readBatchMessageFacts(context(withoutSessions), 2, { sessions: false })[1]!.sessionId, null);
  assert.throws(() => readBatchMessageFacts(context(withoutSessions), 2, { sessions: true }), /no trigger metadata "sessionIdArray"/);
  assert.throws(
    () => readBatchMessageFacts(context({ ...base, deliveryCountArray: 1 }), 2, { sessions: true }),
    /"deliveryCountArray" is not an array/,
  );
  assert.throws(
    () => readBatchMessageFacts(context({ ...base, applicationPropertiesArray: [{}] }), 2, { sessions: true }),
    /"applicationPropertiesArray" has 1 entries for 2 messages/,
  );
});
