import { createRequire } from 'node:module';
import type { JsonObject } from '../../src/envelope/event-envelope.js';

interface ExampleGroup {
  name: string;
  actions: string[];
  examples: JsonObject[];
}

const require = createRequire(import.meta.url);
const groups = require('@octokit/webhooks-examples/api.github.com/index.json') as ExampleGroup[];

/** Every real example payload of @octokit/webhooks-examples with its event name. */
export function allExamplePayloads(): { eventType: string; payload: JsonObject }[] {
  return groups.flatMap((group) => group.examples.map((payload) => ({ eventType: group.name, payload })));
}

/**
 * A real example payload (deep-copied, so a test may change it). With `action`, the example of
 * that action whose compact JSON is closest to `nearBytes` (default: the first one).
 */
export function example(eventType: string, action?: string, nearBytes?: number): JsonObject {
  const group = groups.find((candidate) => candidate.name === eventType);
  if (group === undefined) throw new Error(`no example for event "${eventType}"`);
  const candidates = group.examples.filter((payload) => action === undefined || payload['action'] === action);
  if (candidates.length === 0) throw new Error(`no example for ${eventType}.${action}`);
  const size = (payload: JsonObject) => Buffer.byteLength(JSON.stringify(payload));
  const chosen =
    nearBytes === undefined
      ? candidates[0]!
      : candidates.reduce((best, next) => (Math.abs(size(next) - nearBytes) < Math.abs(size(best) - nearBytes) ? next : best));
  return structuredClone(chosen);
}
