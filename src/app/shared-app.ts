import { batchLockNotes } from '../bots/fit-retries-in-batch-lock.js';
import { closeWhenHostStops } from './close-when-host-stops.js';
import { webhookSecretWarnings } from '../config/settings.js';
import { createApp, type App } from './create-app.js';

let shared: App | undefined;

/**
 * The process's one app for the Functions host: each `src/functions/*.ts` file registers its
 * part of the same instance, so there is one Service Bus client and one storage client set.
 */
export function sharedApp(): App {
  if (shared === undefined) {
    shared = createApp();
    closeWhenHostStops(shared);
    // The worker forwards console output to the host log (and Application Insights): said once, at start-up.
    for (const warning of webhookSecretWarnings(shared.settings)) console.warn(`session-router: ${warning}`);
    for (const note of batchLockNotes(shared.registry.bots)) console.info(`session-router: ${note}`);
  }
  return shared;
}
