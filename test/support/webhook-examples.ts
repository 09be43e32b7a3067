import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { JsonObject } from '../../src/envelope/event-envelope.js';

/** GitHub's real example payloads from @octokit/webhooks-examples (329 examples, 58 event types). */
export interface WebhookExample {
  eventType: string;
  index: number;
  payload: JsonObject;
}

interface Definition {
  name: string;
  examples: JsonObject[];
}

const definitions: Definition[] = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Definition[];

export const exampleEventTypes: readonly string[] = definitions.map((definition) => definition.name);

/** Every example; payloads are fresh copies, so a test may change one. */
export function allExamples(): WebhookExample[] {
  return definitions.flatMap((definition) =>
    definition.examples.map((payload, index) => ({ eventType: definition.name, index, payload: structuredClone(payload) })),
  );
}

/** The examples of one event type, optionally narrowed; fails loudly when none matches so a test cannot pass vacuously. */
export function examplesOf(eventType: string, where: (payload: JsonObject) => boolean = () => true): JsonObject[] {
  const found = definitions
    .find((definition) => definition.name === eventType)
    ?.examples.filter(where)
    .map((payload) => structuredClone(payload));
  if (found === undefined || found.length === 0) throw new Error(`no ${eventType} example matches`);
  return found;
}

export function exampleOf(eventType: string, where?: (payload: JsonObject) => boolean): JsonObject {
  return examplesOf(eventType, where)[0]!;
}

export const action = (name: string) => (payload: JsonObject) => payload['action'] === name;

/**
 * Moves a real payload into the seed's examples' repository (octocat/Hello-World) and makes
 * octocat the sender, so keys can be compared with the seed's literally.
 */
export function asOctocatHelloWorld(payload: JsonObject): JsonObject {
  const repository = payload['repository'] as JsonObject;
  repository['full_name'] = 'octocat/Hello-World';
  repository['name'] = 'Hello-World';
  repository['id'] = 1296269;
  (repository['owner'] as JsonObject)['login'] = 'octocat';
  (payload['sender'] as JsonObject)['login'] = 'octocat';
  return payload;
}
