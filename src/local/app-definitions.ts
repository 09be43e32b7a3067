import { createApp } from '../app/create-app.js';
import type { BuildDefinitions } from './local-host.js';

/**
 * THE seam between `npm start` and the app: the same composition the Functions host
 * registrations use (src/app/create-app.ts), built from the settings after the local host
 * has pointed storage and Service Bus at what it started.
 */
export const buildDefinitions: BuildDefinitions = async (settings) => createApp({ settings });
