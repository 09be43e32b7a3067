import type { Telemetry, TelemetryProperties } from '../../src/telemetry/telemetry.js';

export interface RecordingTelemetry extends Telemetry {
  events: { name: string; properties: TelemetryProperties }[];
  metrics: { name: string; value: number; properties: TelemetryProperties }[];
  exceptions: { error: unknown; properties: TelemetryProperties }[];
}

export function recordingTelemetry(): RecordingTelemetry {
  const recorder: RecordingTelemetry = {
    events: [],
    metrics: [],
    exceptions: [],
    trackEvent: (name, properties = {}) => void recorder.events.push({ name, properties }),
    trackMetric: (name, value, properties = {}) => void recorder.metrics.push({ name, value, properties }),
    trackException: (error, properties = {}) => void recorder.exceptions.push({ error, properties }),
  };
  return recorder;
}
