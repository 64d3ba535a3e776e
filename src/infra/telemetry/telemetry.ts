import type { Logger } from 'pino';
import type { AppConfig } from '../../core/config/app-config';

export interface Telemetry {
  /** Sends what is buffered and stops tracing in this process. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry traces over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT. Off unless the endpoint is configured:
 * then the API's tracer is a no-op, every span costs a function call, and the SDK (its exporter, resources and
 * processors: a few hundred milliseconds of module loading) is never loaded.
 */
export function startTelemetry(config: AppConfig, role: 'api' | 'worker', logger: Logger): Telemetry | undefined {
  const endpoint = config.otel.endpoint;
  if (!endpoint) return undefined;

  const { startTelemetrySdk } = require('./telemetry-sdk') as typeof import('./telemetry-sdk');
  return startTelemetrySdk(config, endpoint, role, logger);
}
