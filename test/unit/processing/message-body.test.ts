import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageBodyText } from '../../../src/processing/message-body.js';

test('a parsed JSON body is recorded as its JSON text', () => {
  assert.equal(messageBodyText({ action: 'opened', number: 7 }), '{"action":"opened","number":7}');
});

test('a body JSON cannot represent (a cycle, a BigInt) is still recorded with its content, not "[object Object]"', () => {
  const cyclic: Record<string, unknown> = { action: 'opened' };
  cyclic['self'] = cyclic;
  const cyclicText = messageBodyText(cyclic);
  assert.match(cyclicText, /action: 'opened'/);
  assert.match(cyclicText, /Circular/);
  assert.match(messageBodyText({ id: 12345678901234567890n }), /12345678901234567890n/);
});
