export type TelemetryProperties = Record<string, string | number | boolean | undefined>;

/**
 * The telemetry the app emits, as an interface so handlers take it as a dependency:
 * Application Insights in Azure (started only when APPLICATIONINSIGHTS_CONNECTION_STRING is
 * set), nothing locally, a recorder in tests. Properties must never hold a secret or a payload.
 */
export interface Telemetry {
  trackEvent(name: string, properties?: TelemetryProperties): void;
  trackMetric(name: string, value: number, properties?: TelemetryProperties): void;
  trackException(error: unknown, properties?: TelemetryProperties): void;
  /** Sends what is buffered (the host stops the worker soon after appTerminate); absent where nothing is buffered. */
  flush?(): Promise<void>;
}

export const noTelemetry: Telemetry = {
  trackEvent: () => undefined,
  trackMetric: () => undefined,
  trackException: () => undefined,
};
