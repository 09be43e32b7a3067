import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';

// One Service Bus trigger per bot in bots.json (`bot-<name>`): session-enabled, except for strategy none.
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.kind === 'serviceBusQueue'));
