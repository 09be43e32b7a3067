import { createRequire } from 'node:module';
import { ENVELOPE_SCHEMA_VERSION, type InlineEventEnvelope, type JsonObject } from '../../../src/envelope/event-envelope.js';

interface ExampleEvent {
  name: string;
  examples: JsonObject[];
}

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as ExampleEvent[];

/** A real GitHub payload from @octokit/webhooks-examples. */
export function examplePayload(eventType: string, action?: string): JsonObject {
  const event = examples.find((e) => e.name === eventType);
  const payload = event?.examples.find((p) => action === undefined || p.action === action);
  if (!payload) throw new Error(`No webhooks example for ${eventType}${action ? `.${action}` : ''}`);
  return structuredClone(payload);
}

/**
 * An envelope around a real pull_request payload, numbered so ordering tests can tell
 * messages apart (until the core's envelope builder is on main, this stands in for it).
 */
export function pullRequestEnvelope(options: { deliveryId: string; number?: number; action?: string; receivedAt?: string }): InlineEventEnvelope {
  const payload = examplePayload('pull_request', options.action ?? 'opened');
  const number = options.number ?? (payload.number as number);
  payload.number = number;
  (payload.pull_request as JsonObject).number = number;
  const repository = payload.repository as { name: string; full_name: string; id: number; owner: { login: string } };
  const sender = payload.sender as { login: string; id: number; type: string };
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: options.deliveryId,
    eventType: 'pull_request',
    action: payload.action as string,
    repository: { owner: repository.owner.login, name: repository.name, fullName: repository.full_name, id: repository.id },
    entityType: 'pull_request',
    entityId: String(number),
    sender: { login: sender.login, id: sender.id, type: sender.type },
    installationId: null,
    payload,
    metadata: {
      receivedAt: options.receivedAt ?? '2026-11-26T17:00:00.000Z',
      hookId: '123456',
      targetType: 'repository',
      targetId: String(repository.id),
      contentType: 'application/json',
      userAgent: 'GitHub-Hookshot/abc123',
      occurredAt: null,
    },
  };
}
