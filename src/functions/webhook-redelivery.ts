import { registerWithFunctionsHost } from '../app/register-with-functions-host.js';
import { sharedApp } from '../app/shared-app.js';
import { REDELIVERY_FUNCTION_NAME } from '../redelivery/redelivery-function.js';

// Asks GitHub to redeliver deliveries that never got a 2xx (REDELIVERY_SCHEDULE); absent unless configured.
registerWithFunctionsHost(sharedApp().definitions.filter((d) => d.name === REDELIVERY_FUNCTION_NAME));
