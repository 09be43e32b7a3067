import { enableHttpStream } from '../app/enable-http-stream.js';
import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';
import { WEBHOOK_FUNCTION_NAME } from '../ingress/define-webhook-function.js';

// The webhook's body limit holds only when the body is streamed to it, not buffered by the worker.
enableHttpStream();
// POST /api/github/webhooks: verify, route, send to every bot's session queue.
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.name === WEBHOOK_FUNCTION_NAME));
