// @azure/functions is CommonJS: under Node ESM only its default export is reliable.
import azureFunctions from '@azure/functions';
import type { App } from './create-app.js';

type TerminateHook = (handler: () => Promise<void>) => unknown;

/**
 * Closes the app (Service Bus client and senders, telemetry flushed) when the Functions host
 * shuts the worker down gracefully: scale-in, a restart, a new deployment. Without it buffered
 * telemetry is lost and the namespace sees the AMQP connection drop instead of close.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4#hooks
 */
export function closeWhenHostStops(app: Pick<App, 'close'>, onTerminate: TerminateHook = (handler) => azureFunctions.app.hook.appTerminate(handler)): void {
  onTerminate(() => app.close());
}
