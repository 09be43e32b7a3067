import { createHash } from 'node:crypto';

/** Service Bus's limit for SessionId and MessageId. */
export const MAX_SESSION_ID_LENGTH = 128;
const HASH_HEX_LENGTH = 16;
const PREFIX_LENGTH = MAX_SESSION_ID_LENGTH - 1 - HASH_HEX_LENGTH;

/**
 * Fits a session key into Service Bus's 128 characters (UTF-16 code units, as the broker
 * counts them): keys that fit are unchanged; a longer key becomes its first characters +
 * "~" + 16 hex digits of sha256(full key). Deterministic, so every message of a long key
 * still lands in one session; the hash keeps long keys with a common prefix apart; the cut
 * never splits a surrogate pair.
 */
export function normalizeSessionId(key: string): string {
  if (key.length <= MAX_SESSION_ID_LENGTH) return key;
  let cut = PREFIX_LENGTH;
  const last = key.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, HASH_HEX_LENGTH);
  return `${key.slice(0, cut)}~${hash}`;
}

/**
 * The SessionId a message is sent with: its normalised key, or, when the strategy gives no
 * key, its delivery id (session queues refuse messages without one): a session of its own,
 * so unordered messages run fully in parallel.
 */
export function sessionIdFor(key: string | null, deliveryId: string): string {
  return normalizeSessionId(key === null || key === '' ? deliveryId : key);
}
