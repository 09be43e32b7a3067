import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { Payload } from './webhook-examples.js';

export interface PostedWebhook {
  deliveryId: string;
  status: number;
  body: unknown;
}

/** Signs and posts a payload the way GitHub does (headers, raw JSON body, HMAC-SHA256 of exactly those bytes). */
export async function postWebhook(options: {
  url: string;
  secret: string;
  event: string;
  payload: Payload;
  deliveryId?: string;
  signal?: AbortSignal;
}): Promise<PostedWebhook> {
  const deliveryId = options.deliveryId ?? randomUUID();
  const body = JSON.stringify(options.payload);
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/session-router-send',
      'x-github-event': options.event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': '1',
      'x-hub-signature-256': await sign(options.secret, body),
    },
    body,
    signal: options.signal,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { deliveryId, status: response.status, body: parsed };
}
