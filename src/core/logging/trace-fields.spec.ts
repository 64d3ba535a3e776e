import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { traceFields } from './trace-fields';

// Logs carry the trace: inside a span a log line gets its trace and span ids; outside one (or with tracing off)
// it gets nothing extra.

describe('traceFields (the logger mixin)', () => {
  afterEach(() => {
    trace.disable();
    context.disable();
  });

  it('adds nothing when no tracer is registered', () => {
    expect(traceFields()).toEqual({});
  });

  it("names the active span's trace and span", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider());
    const fields = await trace.getTracer('t').startActiveSpan('work', async (span) => {
      await Promise.resolve();
      const inside = traceFields();
      span.end();
      return { inside, expected: span.spanContext() };
    });
    expect(fields.inside).toEqual({ trace_id: fields.expected.traceId, span_id: fields.expected.spanId });
    expect(fields.inside.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceFields()).toEqual({});
  });
});
