import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from 'rhea';
import { answerManagementRequest, answerPutToken } from '../../../tools/dev-broker/request-response.js';
import { QueueRegistry } from '../../../tools/dev-broker/queue-registry.js';

// Microsoft.Azure.Amqp (the .NET SDK's AMQP stack) casts `status-code` / `statusCode` to int: an AMQP uint
// there is an InvalidCastException. rhea encodes a plain positive number as uint, so the broker must wrap it.

const typeName = (value: unknown) => (value as { type?: { name?: string } } | undefined)?.type?.name;

function registry(): QueueRegistry {
  const queues = new QueueRegistry(Date.now, () => undefined);
  queues.create({ name: 'orders' });
  return queues;
}

test('put-token replies carry status-code as an AMQP int, accepted and not found alike', () => {
  const queues = registry();
  const request = (name: string): Message => ({ message_id: 'm', application_properties: { operation: 'put-token', name }, body: 'token' });
  for (const audience of ['amqp://localhost/orders', 'sb://localhost/orders', 'amqp://localhost/missing']) {
    const status: unknown = answerPutToken(queues, request(audience)).application_properties?.['status-code'];
    assert.match(String(typeName(status)), /^(Small)?Int$/, audience);
  }
});

test('$management replies carry statusCode as an AMQP int, success and error alike', () => {
  const entity = registry().resolve('orders');
  assert.ok(!(entity instanceof Error));
  for (const operation of ['com.microsoft:peek-message', 'com.microsoft:no-such-operation']) {
    const reply = answerManagementRequest(entity, { message_id: 'm', application_properties: { operation }, body: {} });
    assert.match(String(typeName(reply.application_properties?.statusCode)), /^(Small)?Int$/, operation);
  }
});

test('addresses resolve with or without scheme://host and leading slashes, the dead-letter sub-queue in any case', () => {
  const queues = registry();
  for (const address of [
    'orders',
    '/orders',
    'sb://localhost/orders',
    'amqp://localhost/orders',
    '/orders/$management',
    'amqp://localhost/orders/$management',
  ]) {
    const entity = queues.resolve(address);
    assert.ok(!(entity instanceof Error), address);
    assert.equal(entity.subQueue, 'active', address);
  }
  for (const address of ['/orders/$deadletterqueue', 'orders/$DeadLetterQueue', '/orders/$DeadLetterQueue/$management']) {
    const entity = queues.resolve(address);
    assert.ok(!(entity instanceof Error), address);
    assert.equal(entity.subQueue, 'deadLetter', address);
  }
});
