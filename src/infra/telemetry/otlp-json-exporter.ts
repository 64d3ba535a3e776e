import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * OTLP/HTTP with JSON bodies, sent with fetch. The official exporter (`exporter-trace-otlp-http`) loads `http`
 * through a dynamic import(), which a CommonJS test runtime (Jest without --experimental-vm-modules) cannot do;
 * its serializer is the library's own (`JsonTraceSerializer`), only the POST is ours.
 */
export class OtlpJsonExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    const sent = fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body ? Buffer.from(body) : '{}',
      signal: AbortSignal.timeout(this.timeoutMs),
    }).then(
      async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        done(
          res.ok
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error(`OTLP ${res.status}`) },
        );
      },
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}
