import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeHeaderValue } from '../../../src/targets/encode-header-value.js';

test('item 7: ASCII ids read as before; non-ASCII and % are percent-encoded UTF-8', () => {
  assert.equal(encodeHeaderValue('pr-octo/repo-42'), 'pr-octo/repo-42');
  assert.equal(encodeHeaderValue('branch-octo/repo-feature/日本語'), 'branch-octo/repo-feature/%E6%97%A5%E6%9C%AC%E8%AA%9E');
  assert.equal(encodeHeaderValue('tag-octo/repo-fix-🎉'), 'tag-octo/repo-fix-%F0%9F%8E%89');
  assert.equal(encodeHeaderValue('100%'), '100%25');
  assert.equal(encodeHeaderValue('a b\r\nX-Injected: 1'), 'a%20b%0D%0AX-Injected%3A%201'.replace('%3A', ':'));
});

test('item 7 (property): any text becomes a legal header value that decodeURIComponent turns back into the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
      const value = encodeHeaderValue(text);
      assert.match(value, /^[\x21-\x7e]*$/, 'visible ASCII only');
      assert.doesNotThrow(() => new Headers({ 'x-session-id': value }));
      assert.equal(decodeURIComponent(value), text);
    }),
    { numRuns: 3000 },
  );
});
