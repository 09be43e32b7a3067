import { createHash } from 'node:crypto';

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
 * Table keys hold at most 1 KiB ("up to 1 KiB in size",
 * https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model),
 * which the service and Azurite take as 512 UTF-16 code units. Escapes triple an id's length,
 * so a long id (a 255-byte branch name, an admin caller's id, a message id) can encode to more:
 * such a key keeps its first `HASHED_PREFIX_LENGTH` characters and ends in `~h` + the SHA-256
 * of the whole encoded id (64 hex digits). Deterministic, so the same id always finds its row;
 * `~h` never occurs in an unhashed key (every other `~` is followed by a hex digit or `u`), so
 * hashed and plain keys never collide. A hashed key cannot be decoded: the table keeps the raw
 * id in a property (`sessionId`), which readers use.
 */
const KEPT = /^[A-Za-z0-9._-]$/;
export const MAX_KEY_LENGTH = 512;
const HASH_MARK = '~h';
const HASHED_PREFIX_LENGTH = MAX_KEY_LENGTH - HASH_MARK.length - 64;

export function encodeRowKey(sessionId: string): string {
  const key = escapeId(sessionId);
  if (key.length <= MAX_KEY_LENGTH) return key;
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${key.slice(0, cutBefore(key, HASHED_PREFIX_LENGTH))}${HASH_MARK}${hash}`;
}

/** The cut at `at` or just before it so no escape or surrogate pair is split. */
function cutBefore(key: string, at: number): number {
  let cut = at;
  const escapeStart = key.lastIndexOf('~', cut - 1);
  if (escapeStart >= 0 && escapeStart + (key[escapeStart + 1] === 'u' ? 6 : 3) > cut) cut = escapeStart;
  const last = key.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return cut;
}

function escapeId(sessionId: string): string {
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
  return key;
}

const ESCAPE = /~(?:u([0-9A-F]{4})|([0-9A-F]{2}))/y;

/** The inverse of `encodeRowKey`; throws on text that `encodeRowKey` cannot have produced. */
export function decodeRowKey(key: string): string {
  if (/~h[0-9a-f]{64}$/.test(key)) throw notEncoded(key, "a hashed key of a long id; read the row's sessionId property");
  let sessionId = '';
  for (let i = 0; i < key.length;) {
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
