/**
 * Session ids become Table RowKeys. Table keys forbid `/ \ # ?`, U+0000–U+001F and
 * U+007F–U+009F, and travel inside request URLs (`sessions(PartitionKey='…',RowKey='…')`)
 * where `%` and `'` are known to trip tools and the service's own URL decoding. So:
 *  - ASCII letters, digits, `-`, `.` and `_` stay as they are (GitHub ids stay readable);
 *  - every other ASCII character and the C1 controls become `~XX` (upper-case hex), `~`
 *    itself included, so decoding is unambiguous and the encoding injective;
 *  - other Unicode text stays as it is (legal in keys, readable), except a lone surrogate
 *    (legal in a JS string, not encodable in UTF-8 on the wire) which becomes `~uXXXX`.
 *
 *   pr-octocat/Hello-World-123  →  pr-octocat~2FHello-World-123
 *
 * Table keys hold at most 1 KiB, which the service and Azurite take as 512 UTF-16 code
 * units. A well-formed id costs at most 3 code units (and 3 UTF-8 bytes) per code unit of
 * the id, so every Service Bus SessionId (≤ 128) fits, at ≤ 384. Only ids with many lone
 * surrogates (6 each; none can come through Service Bus) can be too long, and are refused.
 */
const KEPT = /^[A-Za-z0-9._-]$/;
const MAX_KEY_LENGTH = 512;

export function encodeRowKey(sessionId: string): string {
  let key = '';
  for (let i = 0; i < sessionId.length; i++) {
    const unit = sessionId.charCodeAt(i);
    if (unit < 0xa0) {
      key += KEPT.test(sessionId[i]!) ? sessionId[i]! : `~${hex(unit, 2)}`;
    } else if (isHighSurrogate(unit) && isLowSurrogate(sessionId.charCodeAt(i + 1))) {
      key += sessionId[i]! + sessionId[i + 1]!;
      i++;
    } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
      key += `~u${hex(unit, 4)}`;
    } else {
      key += sessionId[i]!;
    }
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new RangeError(
      `session id of ${sessionId.length} characters encodes to a ${key.length}-character RowKey, over the ${MAX_KEY_LENGTH} that Table Storage allows`,
    );
  }
  return key;
}

const ESCAPE = /~(?:u([0-9A-F]{4})|([0-9A-F]{2}))/y;

/** The inverse of `encodeRowKey`; throws on text that `encodeRowKey` cannot have produced. */
export function decodeRowKey(key: string): string {
  let sessionId = '';
  for (let i = 0; i < key.length; ) {
    if (key[i] !== '~') {
      sessionId += key[i];
      i++;
      continue;
    }
    ESCAPE.lastIndex = i;
    const match = ESCAPE.exec(key);
    if (match === null) throw notEncoded(key, `bad escape at position ${i}`);
    sessionId += String.fromCharCode(parseInt(match[1] ?? match[2]!, 16));
    i = ESCAPE.lastIndex;
  }
  // One key per id: refuse spellings the encoder never writes (`~41` for `A`, a raw `/`).
  if (encodeRowKey(sessionId) !== key) throw notEncoded(key, 'not in canonical form');
  return sessionId;
}

function notEncoded(key: string, why: string): Error {
  return new Error(`not an encoded session id (${why}): "${key}"`);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}
