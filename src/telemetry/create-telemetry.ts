import { createRequire } from 'node:module';
import type { Settings } from '../config/settings.js';
import { createApplicationInsightsTelemetry } from './application-insights-telemetry.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { telemetryCredential, telemetryIdentityFrom } from './telemetry-credential.js';

type ApplicationInsights = typeof import('applicationinsights');

let started: Telemetry | undefined;

/**
 * Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set, nothing otherwise
 * (locally and in tests no exporter, timer or socket is started). The SDK is process-global,
 * so it is set up once, whatever the number of callers.
 */
export function createTelemetry(settings: Settings): Telemetry {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (connectionString === undefined) return noTelemetry;
  if (started === undefined) {
    const appInsights = loadApplicationInsights();
    // The Functions host already ships the app's console output; collecting it here would double it.
    appInsights.setup(connectionString).setAutoCollectConsole(false);
    const identity = telemetryIdentityFrom(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
    // Read when the client starts; without it a component with local auth off rejects our telemetry.
    if (identity !== undefined) appInsights.defaultClient.config.aadTokenCredential = telemetryCredential(identity);
    appInsights.start();
    started = createApplicationInsightsTelemetry(appInsights.defaultClient);
  }
  return started;
}

/**
 * The SDK is loaded only when it is used: importing it (OpenTelemetry and the Azure Monitor
 * exporter) takes about a second (`node -e "require('applicationinsights')"`: 1.2 s against 0.1 s for a bare
 * node, on the 2-core dev box), which every process that builds the app without a connection string
 * (each test, the local host) would pay for nothing. `require`, not `import()`, because the
 * package is CommonJS and createApp must stay synchronous: the Functions host registers the
 * functions while it imports the app. Nothing is instrumented before setup().start() either way.
 */
function loadApplicationInsights(): ApplicationInsights {
  return createRequire(import.meta.url)('applicationinsights') as ApplicationInsights;
}
