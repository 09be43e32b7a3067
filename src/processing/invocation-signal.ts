import type { InvocationContext } from '@azure/functions';

/**
 * When an invocation must stop waiting. The Node programming model hands a handler no
 * cancellation token, so a host that can cancel (the local session pump, at functionTimeout or
 * shutdown) attaches a signal to the invocation's context; under the Functions host the worker's
 * `app.hook.appTerminate` (src/app/close-when-host-stops.ts) aborts every invocation's wait at once.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference-node#hooks
 */
const attached = new WeakMap<InvocationContext, AbortSignal>();
const hostShutdown = new AbortController();

export function attachInvocationSignal(context: InvocationContext, signal: AbortSignal): void {
  attached.set(context, signal);
}

/** Called once the host says the worker is terminating. */
export function signalHostShutdown(): void {
  hostShutdown.abort(new Error('the host is shutting down'));
}

/** The invocation's own signal and the host's shutdown, as the signals a wait listens to. */
export function invocationSignals(context: InvocationContext): AbortSignal[] {
  const own = attached.get(context);
  return own === undefined ? [hostShutdown.signal] : [own, hostShutdown.signal];
}
