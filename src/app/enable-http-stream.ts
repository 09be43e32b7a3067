import azureFunctions from '@azure/functions';

type Setup = typeof azureFunctions.app.setup;

/**
 * Turns on HTTP streams for the app's http functions (Functions host ≥ 4.28, @azure/functions
 * ≥ 4.3): the webhook then reads the request body as a stream and refuses one over
 * WEBHOOK_MAX_BODY_BYTES at its Content-Length or as soon as the count passes the limit,
 * instead of the worker buffering up to the host's 100 MB first.
 * https://learn.microsoft.com/azure/azure-functions/node-http-stream
 * Must run while the entry files load, before the host locks setup.
 */
export function enableHttpStream(setup: Setup = azureFunctions.app.setup): void {
  setup({ enableHttpStream: true });
}
