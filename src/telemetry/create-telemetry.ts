import appInsights from 'applicationinsights';
import type { Settings } from '../config/settings.js';
import { createApplicationInsightsTelemetry } from './application-insights-telemetry.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { telemetryCredential, telemetryIdentityFrom } from './telemetry-credential.js';

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
