import { trace } from '@opentelemetry/api';

/** The active span's ids, for log lines (`trace_id`, `span_id`); nothing when no span is active or tracing is off. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
