// @azure/functions is CommonJS: under Node ESM only its default export is reliable.
import azureFunctions from '@azure/functions';
import { signalHostShutdown } from '../processing/invocation-signal.js';
import type { App } from './create-app.js';

type TerminateHook = (handler: () => Promise<void>) => unknown;

/**
 * Closes the app (Service Bus client and senders, telemetry flushed) when the Functions host
 * shuts the worker down gracefully: scale-in, a restart, a new deployment. Without it buffered
 * telemetry is lost and the namespace sees the AMQP connection drop instead of close. A handler
 * waiting to retry in place stops first (its message is abandoned and redelivered) instead of
 * holding the shutdown for the rest of its retry budget.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4#hooks
 */
export function closeWhenHostStops(
  app: Pick<App, 'close'>,
  onTerminate: TerminateHook = (handler) => azureFunctions.app.hook.appTerminate(handler),
): void {
  onTerminate(() => {
    signalHostShutdown();
    return app.close();
  });
}
