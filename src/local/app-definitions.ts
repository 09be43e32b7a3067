import type { BuildDefinitions } from './local-host.js';

/**
 * THE seam between `npm start` and the app: the app's composition (src/app/) builds every
 * FunctionDefinition from settings, exactly as the Functions host registrations do.
 * Until that composition lands, `npm start` says so instead of serving nothing.
 */
export const buildDefinitions: BuildDefinitions = async () => {
  throw new Error('The app composition (src/app/) is not wired into src/local/app-definitions.ts yet');
};
