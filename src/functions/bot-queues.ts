import azureFunctions from '@azure/functions';
import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';
import { signalHostShutdown } from '../processing/invocation-signal.js';

// One session-enabled Service Bus trigger per bot in bots.json (`bot-<name>`).
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.kind === 'serviceBusQueue'));

// A handler waiting to retry in place stops at once when the worker terminates (the message is
// abandoned and redelivered), instead of holding the shutdown for the rest of its retry budget.
// https://learn.microsoft.com/azure/azure-functions/functions-reference-node#hooks
azureFunctions.app.hook.appTerminate(() => signalHostShutdown());
