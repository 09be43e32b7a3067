import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';
import { REDELIVERY_FUNCTION_NAME } from '../redelivery/redelivery-function.js';

// Closes sessions past their bot's limits and exports session metrics; counts each bot's dead letters (both on JANITOR_SCHEDULE).
// Every timer but the redelivery one (its own file): a timer added later is registered here, not silently left out.
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.kind === 'timer' && d.name !== REDELIVERY_FUNCTION_NAME));
