import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { example } from '../../../test/support/example-payloads.js';

/** The webhook secret of every bench contender. */
export const SECRET = 'bench-secret';

export type PayloadSize = '2k' | '24k' | '1m' | '10m';
export const PAYLOAD_SIZES: readonly PayloadSize[] = ['2k', '24k', '1m', '10m'];
const TARGET_BYTES: Record<PayloadSize, number> = { '2k': 2 * 1024, '24k': 24 * 1024, '1m': 1024 * 1024, '10m': 10 * 1024 * 1024 };

export interface BenchPayload {
  size: PayloadSize;
  eventType: string;
  /** What it is, for the table: the real example and how it was grown. */
  description: string;
  /** Compact JSON, as GitHub sends it. */
  body: Buffer;
}

const PROSE = 'Bumps the dependency to the latest patch release and updates the lock file accordingly. ';

/**
 * Real payloads of @octokit/webhooks-examples grown the way such events really grow: a longer
 * free-text field for the small ones, more commits (each a copy of the example's real commit with its
 * own id and a longer message) for a big push. GitHub caps webhook payloads at 25 MB:
 * https://docs.github.com/webhooks/webhook-events-and-payloads#payload-cap
 */
export function benchPayload(size: PayloadSize): BenchPayload {
  const target = TARGET_BYTES[size];
  switch (size) {
    case '2k': {
      // security_advisory.published (about 1.2 KB) with a longer advisory description.
      const payload = example('security_advisory', 'published');
      const advisory = payload['security_advisory'] as JsonObject;
      growText(payload, target, (text) => (advisory['description'] = text), textOf(advisory['description']));
      return {
        size,
        eventType: 'security_advisory',
        description: 'security_advisory.published, description lengthened',
        body: compact(payload),
      };
    }
    case '24k': {
      // pull_request.opened (the example nearest 24 KB), its PR description lengthened to 24 KB.
      const payload = example('pull_request', 'opened', target);
      const pr = payload['pull_request'] as JsonObject;
      growText(payload, target, (text) => (pr['body'] = text), textOf(pr['body']));
      return { size, eventType: 'pull_request', description: 'pull_request.opened, PR description lengthened', body: compact(payload) };
    }
    default: {
      const payload = example('push');
      const commits = payload['commits'] as JsonObject[];
      const model = commits[0]!;
      const messageBytes = size === '1m' ? 400 : 4_000;
      let n = 0;
      let bytes = Buffer.byteLength(JSON.stringify(payload));
      const grown: JsonObject[] = [];
      while (bytes < target) {
        const commit: JsonObject = {
          ...model,
          id: (n++).toString(16).padStart(40, '0'),
          message: PROSE.repeat(Math.ceil(messageBytes / PROSE.length)).slice(0, messageBytes),
        };
        grown.push(commit);
        bytes += Buffer.byteLength(JSON.stringify(commit)) + 1;
      }
      payload['commits'] = grown;
      return {
        size,
        eventType: 'push',
        description: `push with ${grown.length} commits (${messageBytes} B messages)`,
        body: compact(payload),
      };
    }
  }
}

function growText(payload: JsonObject, target: number, set: (text: string) => void, start: string): void {
  set(start);
  const missing = target - Buffer.byteLength(JSON.stringify(payload));
  if (missing > 0) set(start + PROSE.repeat(Math.ceil(missing / PROSE.length)).slice(0, missing));
}

const compact = (payload: JsonObject) => Buffer.from(JSON.stringify(payload));

/** A payload's text field (GitHub sends null for an empty description). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The headers GitHub sends with a delivery of `payload` (a new delivery id each call). */
export function deliveryHeaders(payload: BenchPayload, signature: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': payload.eventType,
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': signature,
  };
}
