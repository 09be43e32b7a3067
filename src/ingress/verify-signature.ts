import { verify } from '@octokit/webhooks-methods';

export type SignatureCheck = { valid: true; secretIndex: number } | { valid: false };

/**
 * Checks `X-Hub-Signature-256` against every configured secret (current first, then the
 * previous one during a rotation) with the timing-safe compare of @octokit/webhooks-methods.
 * `secretIndex` tells which secret matched, so a rotation still leaning on the old secret shows
 * up in the logs. An empty list never verifies: the caller must fail closed before this.
 */
export async function verifySignature(
  secrets: readonly string[],
  body: string,
  signatureHeader: string,
): Promise<SignatureCheck> {
  if (body.length === 0 || !/^sha256=[0-9a-f]{64}$/.test(signatureHeader)) return { valid: false };
  for (const [secretIndex, secret] of secrets.entries()) {
    if (await verify(secret, body, signatureHeader)) return { valid: true, secretIndex };
  }
  return { valid: false };
}
