import type { JsonObject } from './event-refs.js';
import { integerField, objectField } from './json-fields.js';

/** The GitHub App installation the delivery is for; null for repository and organization webhooks. */
export function installationIdOf(payload: JsonObject): number | null {
  return integerField(objectField(payload, 'installation'), 'id') ?? null;
}
