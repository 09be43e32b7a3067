/**
 * Session ids become Table RowKeys. Table keys forbid `/ \ # ?` and control characters, and
 * keys travel inside request URLs (`sessions(PartitionKey='…',RowKey='…')`), where `%`, `'`
 * and non-ASCII text are known to trip proxies, tools and the service's own URL decoding.
 * So the key keeps only URL-unreserved ASCII letters, digits, `-`, `.` and `_` as they are
 * (what GitHub ids are mostly made of, so keys stay readable) and writes every other UTF-16
 * code unit as `~XX` (below U+0100) or `~uXXXX`, upper-case hex. `~` itself is escaped, so
 * decoding is unambiguous and the encoding is injective. Per code unit, not per code point,
 * so even a lone surrogate (legal in a JS string, not in UTF-8) survives the round trip.
 *
 *   pr-octocat/Hello-World-123  →  pr-octocat~2FHello-World-123
 *
 * Worst case is 6 characters per code unit: a 128-character id needs at most 768 ASCII
 * characters, inside the 1 KiB key limit.
 */
const KEPT = /^[A-Za-z0-9._-]$/;
const MAX_KEY_BYTES = 1024;

export function encodeRowKey(sessionId: string): string {
  let key = '';
  for (let i = 0; i < sessionId.length; i++) {
    const char = sessionId[i]!;
    if (KEPT.test(char)) {
      key += char;
      continue;
    }
    const unit = sessionId.charCodeAt(i);
    key += unit < 0x100 ? `~${hex(unit, 2)}` : `~u${hex(unit, 4)}`;
  }
  if (key.length > MAX_KEY_BYTES) {
    throw new RangeError(
      `session id of ${sessionId.length} characters encodes to a ${key.length}-character RowKey, over the ${MAX_KEY_BYTES} limit of Table Storage`,
    );
  }
  return key;
}

const ESCAPE = /~(?:u([0-9A-F]{4})|([0-9A-F]{2}))/y;

/** The inverse of `encodeRowKey`; throws on text that `encodeRowKey` cannot have produced. */
export function decodeRowKey(key: string): string {
  let sessionId = '';
  let i = 0;
  while (i < key.length) {
    const char = key[i]!;
    if (KEPT.test(char)) {
      sessionId += char;
      i++;
      continue;
    }
    ESCAPE.lastIndex = i;
    const match = ESCAPE.exec(key);
    const code = match ? parseInt(match[1] ?? match[2]!, 16) : NaN;
    // Reject non-canonical escapes (`~41` for `A`, `~u007E` for `~`) so each id has exactly one key.
    const canonical = match !== null && (match[1] === undefined ? code < 0x100 : code >= 0x100);
    if (!canonical || KEPT.test(String.fromCharCode(code))) {
      throw new Error(`not an encoded session id: bad escape at position ${i} of "${key}"`);
    }
    sessionId += String.fromCharCode(code);
    i = ESCAPE.lastIndex;
  }
  return sessionId;
}

function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}
