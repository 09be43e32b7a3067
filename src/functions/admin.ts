import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';
import { WEBHOOK_FUNCTION_NAME } from '../ingress/define-webhook-function.js';

// Sessions, poison records, held sessions and dead letters per bot (authLevel function).
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.kind === 'http' && d.name !== WEBHOOK_FUNCTION_NAME));
