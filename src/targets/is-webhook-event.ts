import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';
import type { InlineEventEnvelope, JsonObject } from '../envelope/event-envelope.js';

/** An envelope whose payload has @octokit/webhooks' type for `name` (`"pull_request"` or `"pull_request.opened"`). */
export type WebhookEnvelope<Name extends EmitterWebhookEventName> = InlineEventEnvelope & {
  payload: EmitterWebhookEvent<Name>['payload'] & JsonObject;
};

/**
 * Narrows a module bot's envelope to one event (or one event's action), so the handler reads
 * the payload typed, e.g. `if (isWebhookEvent(envelope, 'pull_request.opened')) envelope.payload.pull_request.number`.
 * Only types are imported from @octokit/webhooks here: nothing is loaded at run time.
 */
export function isWebhookEvent<Name extends EmitterWebhookEventName>(
  envelope: InlineEventEnvelope,
  name: Name,
): envelope is WebhookEnvelope<Name> {
  const [event, action] = name.split('.');
  return envelope.eventType === event && (action === undefined || envelope.action === action);
}
