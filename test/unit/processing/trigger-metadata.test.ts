import assert from 'node:assert/strict';
import { test } from 'node:test';
import functions from '@azure/functions';
import { readQueueMessageFacts } from '../../../src/processing/trigger-metadata.js';

const { InvocationContext } = functions;

function enqueuedTime(value: unknown): string | null {
  const context = new InvocationContext({
    invocationId: 'i',
    triggerMetadata: { messageId: 'm', sessionId: 's', deliveryCount: 1, enqueuedTimeUtc: value },
  });
  return readQueueMessageFacts(context).enqueuedTimeUtc;
}

test('enqueuedTimeUtc as the real Functions host sends it (no zone, UTC by name) is stored as UTC with Z', () => {
  assert.equal(enqueuedTime('2026-11-29T07:42:46.755'), '2026-11-29T07:42:46.755Z');
  assert.equal(enqueuedTime('2026-11-29T07:42:46.7550000'), '2026-11-29T07:42:46.755Z', '.NET round-trip precision');
  assert.equal(enqueuedTime('2026-11-29T07:42:46'), '2026-11-29T07:42:46.000Z');
});

test('times that carry a zone, or Dates (the local host), come out the same, in UTC', () => {
  assert.equal(enqueuedTime('2026-11-29T07:42:46.755Z'), '2026-11-29T07:42:46.755Z');
  assert.equal(enqueuedTime('2026-11-29T08:42:46.755+01:00'), '2026-11-29T07:42:46.755Z');
  assert.equal(enqueuedTime(new Date(Date.UTC(2026, 10, 29, 7, 42, 46, 755))), '2026-11-29T07:42:46.755Z');
});

test('a missing or unreadable time is null, never a made-up or unparsed one', () => {
  for (const value of [undefined, null, '', 'yesterday', 42, new Date(Number.NaN)]) assert.equal(enqueuedTime(value), null, String(value));
});
