import type { HttpHandler } from '@azure/functions';
import type { HttpFunctionDefinition } from '../functions-model/function-definitions.js';

/**
 * The webhook as both hosts register it: `POST /api/github/webhooks`, anonymous because GitHub
 * authenticates each delivery with its HMAC signature, not with a function key.
 */
export const WEBHOOK_FUNCTION_NAME = 'github-webhook';

export function defineWebhookFunction(handler: HttpHandler): HttpFunctionDefinition {
  return { kind: 'http', name: WEBHOOK_FUNCTION_NAME, route: 'github/webhooks', methods: ['POST'], authLevel: 'anonymous', handler };
}
