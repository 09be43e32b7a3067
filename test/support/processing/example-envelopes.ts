import { createRequire } from 'node:module';
import { buildEnvelope } from '../../../src/envelope/build-envelope.js';
import type { InlineEventEnvelope, JsonObject } from '../../../src/envelope/event-envelope.js';

interface ExampleEvent {
  name: string;
  examples: JsonObject[];
}

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as ExampleEvent[];

/** A real GitHub payload from @octokit/webhooks-examples (a copy: tests may change it). */
export function examplePayload(eventType: string, action?: string): JsonObject {
  const event = examples.find((e) => e.name === eventType);
  const payload = event?.examples.find((p) => action === undefined || p.action === action);
  if (!payload) throw new Error(`No webhooks example for ${eventType}${action ? `.${action}` : ''}`);
  return structuredClone(payload);
}

/** The envelope the ingress builds for a real pull_request payload, renumbered so tests can use several pull requests. */
export function pullRequestEnvelope(options: {
  deliveryId: string;
  number?: number;
  action?: string;
  receivedAt?: string;
}): InlineEventEnvelope {
  const payload = examplePayload('pull_request', options.action ?? 'opened');
  if (options.number !== undefined) {
    payload.number = options.number;
    (payload.pull_request as JsonObject).number = options.number;
  }
  const repository = payload.repository as { id: number };
  return buildEnvelope({
    eventType: 'pull_request',
    deliveryId: options.deliveryId,
    payload,
    receivedAt: new Date(options.receivedAt ?? '2026-11-26T17:00:00.000Z'),
    contentType: 'application/json',
    hookId: '123456',
    targetType: 'repository',
    targetId: String(repository.id),
    userAgent: 'GitHub-Hookshot/abc123',
  });
}
