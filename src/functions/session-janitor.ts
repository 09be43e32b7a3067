import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';

// Closes sessions past their bot's limits and exports session metrics; counts each bot's dead letters (both on JANITOR_SCHEDULE).
const janitorTimers = new Set(['session-janitor', 'deadletter-count']);
registerWithFunctionsHost(sharedApp().definitions.filter((d) => janitorTimers.has(d.name)));
