import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** What the exporter says about a batch it gave up on (the SDK itself drops it silently). */
export type DroppedBatch = (info: { spans: number; attempts: number; reason: string }) => void;

export interface OtlpJsonExporterOptions {
  /** One POST's bound. */
  timeoutMs?: number;
  /** Waits before the second, third, … attempt of a retryable failure (OTLP/HTTP: 429, 502, 503, 504, no answer). */
  backoffMs?: number[];
  dropped?: DroppedBatch;
}

// The spec's retryable answers; any other status is the collector refusing the batch for good.
const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * OTLP/HTTP with JSON bodies, sent with fetch. The official exporter (`exporter-trace-otlp-http`) loads `http`
 * through a dynamic import(), which a CommonJS test runtime (Jest without --experimental-vm-modules) cannot do;
 * its serializer is the library's own (`JsonTraceSerializer`), only the POST is ours. A collector that is busy
 * (429, 50x) or does not answer in time gets the batch again after a backoff, as the OTLP spec asks; a batch given
 * up on is reported (`dropped`), not lost without a word. The default bounds keep every attempt of a batch within
 * the BatchSpanProcessor's 30 s export timeout (3 × 8 s + 0.5 s + 1.5 s).
 */
export class OtlpJsonExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  private readonly backoffMs: number[];

  constructor(
    private readonly url: string,
    private readonly options: OtlpJsonExporterOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 8_000;
    this.backoffMs = options.backoffMs ?? [500, 1_500];
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? '{}');
    const sent = this.send(body, spans.length).then(done);
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private async send(body: Buffer, spans: number): Promise<ExportResult> {
    for (let attempt = 1; ; attempt++) {
      const { retry, reason } = await this.post(body);
      if (reason === undefined) return { code: ExportResultCode.SUCCESS };
      const wait = retry ? this.backoffMs[attempt - 1] : undefined;
      if (wait === undefined) {
        this.options.dropped?.({ spans, attempts: attempt, reason });
        return { code: ExportResultCode.FAILED, error: new Error(reason) };
      }
      await new Promise((r) => setTimeout(r, wait).unref());
    }
  }

  /** One POST: no reason when the collector took it. */
  private async post(body: Buffer): Promise<{ retry: boolean; reason?: string }> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { retry: false };
      return { retry: RETRYABLE.has(res.status), reason: `OTLP collector answered ${res.status}` };
    } catch (err) {
      return { retry: true, reason: `OTLP collector unreachable: ${(err as Error).message}` };
    }
  }
}
