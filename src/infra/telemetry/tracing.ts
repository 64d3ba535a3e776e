import { context, propagation, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

// The product's spans, through @opentelemetry/api only: with no tracer registered (no OTEL endpoint) every call
// here is a no-op. Attributes name the school and the session (`opencode.tenant`, `opencode.session`), never text.

const tracer = () => trace.getTracer('opencode-api');

/** Runs `fn` in a new active span, a child of the current one; errors are recorded and rethrown. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span the caller ends (for work that is not one async function, like a stream). */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { attributes });
}

/** The current trace as W3C headers (`traceparent`), to carry across a queue; empty when nothing is traced. */
export function traceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` as a continuation of the trace a carrier names (a job's enqueuer, an HTTP client). */
export function continueTrace<T>(carrier: Record<string, unknown> | undefined, fn: () => T): T {
  if (!carrier) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

export { context as otelContext, trace as otelTrace };
