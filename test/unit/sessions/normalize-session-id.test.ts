import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { MAX_SESSION_ID_LENGTH, normalizeSessionId, sessionIdFor } from '../../../src/sessions/normalize-session-id.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any Unicode text, astral characters (surrogate pairs) included, well-formed. */
const text = (constraints: { minLength?: number; maxLength?: number } = {}) => fc.string({ unit: 'binary', ...constraints });
const longKey = text({ minLength: 129, maxLength: 600 }).filter((key) => key.length > MAX_SESSION_ID_LENGTH);

test('deterministic: the same key always gives the same session id', () => {
  fc.assert(fc.property(text({ maxLength: 600 }), (key) => normalizeSessionId(key) === normalizeSessionId(key.slice())));
});

test('always at most 128 characters', () => {
  fc.assert(fc.property(text({ maxLength: 2000 }), (key) => normalizeSessionId(key).length <= MAX_SESSION_ID_LENGTH));
});

test('unchanged when it already fits', () => {
  const short = text({ maxLength: 128 }).filter((key) => key.length <= MAX_SESSION_ID_LENGTH);
  fc.assert(fc.property(short, (key) => normalizeSessionId(key) === key));
});

test('distinct long keys stay distinct, even with a long common prefix', () => {
  fc.assert(fc.property(longKey, longKey, (a, b) => a === b || normalizeSessionId(a) !== normalizeSessionId(b)));
  const prefix = `branch-octocat/Hello-World-${'renovate/'.repeat(20)}`;
  fc.assert(
    fc.property(
      text({ maxLength: 40 }),
      text({ maxLength: 40 }),
      (a, b) => a === b || normalizeSessionId(prefix + a) !== normalizeSessionId(prefix + b),
    ),
  );
});

test('never leaves a lone surrogate, wherever the cut falls', () => {
  fc.assert(fc.property(longKey, (key) => !LONE_SURROGATE.test(normalizeSessionId(key))));
  for (let shift = 100; shift <= 112; shift += 1) {
    const key = 'a'.repeat(shift) + '😀'.repeat(30);
    assert.doesNotMatch(normalizeSessionId(key), LONE_SURROGATE, `cut after ${shift} ASCII characters`);
  }
});

test('a long key becomes its first characters + "~" + 16 hex digits of sha256(full key)', () => {
  const key = `branch-octocat/Hello-World-feature/${'x'.repeat(200)}`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  assert.equal(normalizeSessionId(key), `${key.slice(0, 111)}~${hash}`);
  assert.equal(normalizeSessionId(key).length, 128);
});

test('a key whose 111th character starts a surrogate pair is cut one character earlier', () => {
  const key = 'a'.repeat(110) + '😀'.repeat(20);
  const id = normalizeSessionId(key);
  assert.equal(id.length, 127);
  assert.equal(id.slice(0, 111), `${'a'.repeat(110)}~`);
});

test('no key means the delivery id: a session of its own', () => {
  const deliveryId = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
  assert.equal(sessionIdFor(null, deliveryId), deliveryId);
  assert.equal(sessionIdFor('', deliveryId), deliveryId);
  assert.equal(sessionIdFor('pr-octocat/Hello-World-123', deliveryId), 'pr-octocat/Hello-World-123');
  const long = `pr-${'o'.repeat(200)}/Hello-World-1`;
  assert.equal(sessionIdFor(long, deliveryId), normalizeSessionId(long));
});
