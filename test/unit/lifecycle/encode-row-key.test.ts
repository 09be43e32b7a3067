import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRowKey, encodeRowKey } from '../../../src/lifecycle/encode-row-key.js';

/** What Table Storage forbids in a key. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern names
const ILLEGAL = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Well-formed Unicode up to the 128 code units of a Service Bus SessionId, ids full of the
// characters Table keys forbid, and GitHub-shaped ids.
const wellFormedId = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 128 }).map(cut128),
  fc
    .string({
      unit: fc.constantFrom('/', '\\', '#', '?', '~', '%', "'", '\u0000', '\u001f', '\u007f', '\u009f', 'a', '-', 'é', '😀'),
      maxLength: 128,
    })
    .map(cut128),
  fc
    .tuple(
      fc.constantFrom('pr', 'issue', 'branch', 'repo', 'user'),
      fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,60}$/),
    )
    .map(([kind, owner, repo]) => `${kind}-${owner}/${repo}`),
);
// Any UTF-16 text, lone surrogates included (a JS string can hold them, UTF-8 cannot).
const anyText = fc.string({
  unit: fc.oneof(fc.constantFrom('\ud800', '\udfff', '/'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  maxLength: 128,
});

/** At most 128 UTF-16 code units, without splitting a surrogate pair (as the session-id normaliser does). */
function cut128(id: string): string {
  const cut = id.slice(0, 128);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function assertLegal(key: string): void {
  assert.doesNotMatch(key, ILLEGAL);
  assert.ok(key.length <= 512, `${key.length} code units`);
  assert.ok(Buffer.byteLength(key, 'utf8') <= 1024);
  assert.doesNotMatch(key, LONE_SURROGATE, 'no lone surrogate on the wire');
}

test('every well-formed session id up to 128 code units encodes to a legal key that decodes back to it', () => {
  fc.assert(
    fc.property(wellFormedId, (id) => {
      const key = encodeRowKey(id);
      assertLegal(key);
      assert.equal(decodeRowKey(key), id);
    }),
    { numRuns: 3000 },
  );
});

test('any JS string, lone surrogates included, round-trips or is refused for its length', () => {
  fc.assert(
    fc.property(anyText, (id) => {
      let key: string;
      try {
        key = encodeRowKey(id);
      } catch (error) {
        assert.ok(error instanceof RangeError && id.length > 85, `refused ${JSON.stringify(id)}: ${String(error)}`);
        return;
      }
      assertLegal(key);
      assert.equal(decodeRowKey(key), id);
    }),
    { numRuns: 3000 },
  );
});

test('the longest ids of the widest characters still fit a key', () => {
  for (const id of ['😀'.repeat(64), '/'.repeat(128), '\u0085'.repeat(128), '中'.repeat(128)]) {
    assert.equal(id.length, 128);
    const key = encodeRowKey(id);
    assertLegal(key);
    assert.equal(decodeRowKey(key), id);
  }
});

test('different ids never share a key', () => {
  fc.assert(
    fc.property(wellFormedId, wellFormedId, (a, b) => {
      fc.pre(a !== b);
      assert.notEqual(encodeRowKey(a), encodeRowKey(b));
    }),
    { numRuns: 2000 },
  );
});

test('GitHub-shaped ids stay readable: only the slash is escaped', () => {
  assert.equal(encodeRowKey('pr-octocat/Hello-World-123'), 'pr-octocat~2FHello-World-123');
  assert.equal(encodeRowKey('branch-octo-org/my.repo-feature/login_v2'), 'branch-octo-org~2Fmy.repo-feature~2Flogin_v2');
  assert.equal(encodeRowKey('a~b c'), 'a~7Eb~20c');
  assert.equal(encodeRowKey('é😀\u0085'), 'é😀~85');
  assert.equal(encodeRowKey('x\ud800'), 'x~uD800');
});

test('decoding text that is not an encoding fails and says why', () => {
  for (const bad of ['a/b', 'abc~', '~zz', '~2f', '~41', '~u00E9', '~u12', 'x#', '\u0085']) {
    assert.throws(() => decodeRowKey(bad), /not an encoded session id/, bad);
  }
});

test('item 6: an id too long for a Table key gets a deterministic hashed key within 512 characters, never a throw', () => {
  const long = '/'.repeat(200);
  const key = encodeRowKey(long);
  assert.ok(key.length <= 512, `${key.length}`);
  assert.match(key, /^(~2F)+~h[0-9a-f]{64}$/);
  assert.equal(encodeRowKey(long), key, 'deterministic');
  assert.notEqual(encodeRowKey(long + '/'), key, 'a longer id, another key');
  assert.throws(() => decodeRowKey(key), /hashed key of a long id; read the row's sessionId property/);
});

test('item 6 (property): any id, however long or non-ASCII, gets a legal key of at most 512 characters; distinct ids get distinct keys', () => {
  const escaped = fc.array(fc.constantFrom('/', ' ', '#', '日', '🎉', 'a', '~'), { maxLength: 400 }).map((chars) => chars.join(''));
  const anyId = fc.oneof(
    escaped,
    fc.string({ unit: 'grapheme', maxLength: 400 }),
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ maxLength: 600 }),
  );
  fc.assert(
    fc.property(anyId, anyId, (a, b) => {
      const key = encodeRowKey(a);
      assert.ok(key.length <= 512);
      assert.doesNotMatch(key, ILLEGAL);
      assert.doesNotMatch(key, LONE_SURROGATE);
      if (a !== b) assert.notEqual(key, encodeRowKey(b));
    }),
    { numRuns: 2000 },
  );
});
