import { createHmac, timingSafeEqual } from 'node:crypto';

/** `digest`: the matching HMAC in lower-case hex (what the header carries after `sha256=`). */
export type SignatureCheck = { valid: true; secretIndex: number; digest: string } | { valid: false };

const SIGNATURE_HEADER = /^sha256=([0-9a-f]{64})$/;

/**
 * Checks `X-Hub-Signature-256` over the raw body bytes, exactly as GitHub computes it: HMAC
 * SHA-256 keyed with the secret as typed (UTF-8), hex, prefixed `sha256=`, compared in constant
 * time (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
 * Over the bytes, not decoded text: a decoder drops a BOM or rewrites bad sequences, so a text
 * signature could accept bytes GitHub never signed. (@octokit/webhooks-methods only takes a
 * string, hence node:crypto here.) Current secret first, then the previous one during a
 * rotation; `secretIndex` says which matched. An empty list never verifies.
 */
export function verifySignature(secrets: readonly string[], body: Uint8Array, signatureHeader: string): SignatureCheck {
  const match = SIGNATURE_HEADER.exec(signatureHeader);
  if (body.byteLength === 0 || match === null) return { valid: false };
  const expected = Buffer.from(match[1]!, 'hex');
  for (const [secretIndex, secret] of secrets.entries()) {
    const actual = createHmac('sha256', secret).update(body).digest();
    if (timingSafeEqual(actual, expected)) return { valid: true, secretIndex, digest: match[1]! };
  }
  return { valid: false };
}
