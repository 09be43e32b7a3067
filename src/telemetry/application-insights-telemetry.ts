import type { Telemetry, TelemetryProperties } from './telemetry.js';

/** The part of applicationinsights' TelemetryClient this app uses (a fake in tests). */
export interface AppInsightsClient {
  trackEvent(telemetry: { name: string; properties?: Record<string, string> }): void;
  trackMetric(telemetry: { name: string; value: number; properties?: Record<string, string> }): void;
  trackException(telemetry: { exception: Error; properties?: Record<string, string> }): void;
  flush(): Promise<void>;
}

/** Adapts an Application Insights client to the app's Telemetry interface. */
export function createApplicationInsightsTelemetry(client: AppInsightsClient): Telemetry {
  return {
    trackEvent: (name, properties) => client.trackEvent({ name, properties: toCustomDimensions(properties) }),
    trackMetric: (name, value, properties) => client.trackMetric({ name, value, properties: toCustomDimensions(properties) }),
    trackException: (error, properties) =>
      client.trackException({
        exception: error instanceof Error ? error : new Error(String(error)),
        properties: toCustomDimensions(properties),
      }),
    flush: () => client.flush(),
  };
}

/** Custom dimensions are strings in Application Insights; undefined values are left out. */
function toCustomDimensions(properties: TelemetryProperties | undefined): Record<string, string> | undefined {
  if (properties === undefined) return undefined;
  const dimensions: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined) dimensions[key] = String(value);
  }
  return dimensions;
}
