import { randomUUID } from 'node:crypto';
import azureFunctions from '@azure/functions';

// @azure/functions is CommonJS without named-export hints for Node's ESM loader.
const { HttpRequest } = azureFunctions;
import { sign } from '@octokit/webhooks-methods';
import type { JsonObject } from '../../src/envelope/event-envelope.js';

export interface SignedRequestOptions {
  eventType: string;
  payload: JsonObject | string;
  secret: string;
  deliveryId?: string;
  /** How GitHub encodes the body: `json` (default) or `form` (`payload=<url-encoded JSON>`). */
  encoding?: 'json' | 'form';
  /** Headers to add, replace, or (with `undefined`) leave out. */
  headers?: Record<string, string | undefined>;
  /** Sign these bytes instead of the body actually sent (to forge a bad signature). */
  signBody?: string;
}

export interface SignedRequest {
  request: InstanceType<typeof HttpRequest>;
  deliveryId: string;
  body: string;
}

/** A webhook request exactly as GitHub sends it: compact JSON, `sha256=` HMAC of the raw body, Hookshot headers. */
export async function signedRequest(options: SignedRequestOptions): Promise<SignedRequest> {
  const deliveryId = options.deliveryId ?? randomUUID();
  const json = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
  const form = options.encoding === 'form';
  const body = form ? new URLSearchParams({ payload: json }).toString() : json;
  const headers: Record<string, string | undefined> = {
    'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    'user-agent': 'GitHub-Hookshot/abc1234',
    'x-github-event': options.eventType,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '424242',
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': '186853002',
    'x-hub-signature-256': await sign(options.secret, options.signBody ?? body),
    ...options.headers,
  };
  const present = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/github/webhooks',
    headers: present,
    body: { bytes: Buffer.from(body, 'utf8') },
  });
  return { request, deliveryId, body };
}
