import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AppConfig } from '../../core/config/app-config';
import { VERSION } from '../../core/version';
import { OtlpJsonExporter } from './otlp-json-exporter';
import type { Telemetry } from './telemetry';

/**
 * The OpenTelemetry SDK: traces over OTLP/HTTP (JSON) to `endpoint`, registered as this process's global tracer,
 * context manager (AsyncLocalStorage) and W3C propagator. Loaded by telemetry.ts only when an endpoint is set.
 */
export function startTelemetrySdk(
  config: AppConfig,
  endpoint: string,
  role: 'api' | 'worker',
  logger: Logger,
): Telemetry {
  const exporter = new OtlpJsonExporter(`${endpoint.replace(/\/+$/, '')}/v1/traces`, {
    dropped: (info) => logger.warn(info, 'trace spans dropped: the OTLP collector did not take them'),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.otel.serviceName,
      'service.version': VERSION,
      'service.instance.id': `${hostname()}:${process.pid}`,
      'opencode.role': role,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
