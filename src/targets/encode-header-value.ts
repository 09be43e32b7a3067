/**
 * Bytes that stay as they are in a header value: RFC 3986 unreserved characters plus `/`, `:`
 * and `@`, so the ids of ASCII branches and repositories read as before
 * (`pr-octo/repo-42`, `branch-octo/repo-main`). Everything else, `%` included, becomes `%XX`
 * of its UTF-8 bytes, as RFC 3986 §2.1 and RFC 8187 §3.2 (value-chars) percent-encode.
 */
const KEPT = /^[A-Za-z0-9\-._~/:@]$/;

/**
 * A header-safe spelling of any text: `decodeURIComponent(value)` gives the text back (a lone
 * surrogate, which UTF-8 cannot carry, comes back as U+FFFD; the raw id is in the body too).
 * Text of kept characters only is unchanged.
 */
export function encodeHeaderValue(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && KEPT.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
