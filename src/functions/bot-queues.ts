import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';

// One session-enabled Service Bus trigger per bot in bots.json (`bot-<name>`).
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.kind === 'serviceBusQueue'));
