import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerError, amqpText } from '../../../tools/dev-broker/amqp-encoding.js';

test('a dead-letter reason or session id that is not text is refused naming the field, not stored as "[object Object]"', () => {
  assert.equal(amqpText('MaxDeliveryCountExceeded', 'deadletter-reason'), 'MaxDeliveryCountExceeded');
  assert.equal(amqpText(42, 'com.microsoft:session-filter'), '42');
  assert.throws(
    () => amqpText({ nested: true }, 'deadletter-description'),
    (error) =>
      error instanceof BrokerError && error.condition === 'com.microsoft:argument-error' && /"deadletter-description"/.test(error.message),
  );
});
