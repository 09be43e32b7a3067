import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resubmittedMessageId } from '../../../src/processing/dead-letter-queue.js';

test('a resubmitted message gets a new id derived from the dead letter, so duplicate detection keeps a retried resubmit out but lets it through once', () => {
  const delivery = '0b4d5f20-7a8e-11ef-8f35-3c5a2b0f0d11';
  assert.equal(resubmittedMessageId(delivery, 42), `${delivery}:resubmit-42`);
  // The same dead letter twice (a repeated call): the same id, which the broker drops.
  assert.equal(resubmittedMessageId(delivery, 42), resubmittedMessageId(delivery, 42));
  // Dead-lettered again and resubmitted again: one suffix, the new sequence number.
  assert.equal(resubmittedMessageId(`${delivery}:resubmit-42`, 97), `${delivery}:resubmit-97`);
  // Service Bus's 128-character limit holds for any id.
  const long = resubmittedMessageId('x'.repeat(128), 123456789);
  assert.ok(long.length <= 128);
  assert.notEqual(long, resubmittedMessageId('x'.repeat(128), 123456790));
});
