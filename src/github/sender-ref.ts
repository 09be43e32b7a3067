import type { JsonObject, SenderRef } from './event-refs.js';
import { integerField, nameField, objectField, stringField } from './json-fields.js';

/** Who triggered the event; null when the payload names nobody (e.g. security_advisory). */
export function senderOf(payload: JsonObject): SenderRef | null {
  const sender = objectField(payload, 'sender');
  const login = nameField(sender, 'login');
  const id = integerField(sender, 'id');
  if (login === undefined || id === undefined) return null;
  return { login, id, type: stringField(sender, 'type') ?? 'Unknown' };
}
