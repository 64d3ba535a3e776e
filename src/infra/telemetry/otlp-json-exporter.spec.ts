import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OtlpJsonExporter } from './otlp-json-exporter';

// A collector that answers each POST with the next status of its script (then 200), and keeps what it took.
function collector(statuses: number[]): Promise<{ server: Server; url: string; posts: () => number; taken: string[] }> {
  let posts = 0;
  const taken: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[posts++] ?? 200;
      if (status === 200) taken.push(Buffer.concat(chunks).toString());
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
        posts: () => posts,
        taken,
      }),
    ),
  );
}

async function spans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  provider.getTracer('spec').startSpan('llm.call').end();
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

const exported = (exporter: OtlpJsonExporter, batch: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));

describe('OtlpJsonExporter: a busy or absent collector does not lose a batch without a word', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    // A collector that never answered still holds its connection: close it, or close() would wait for it.
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    servers = [];
  });

  it('sends a batch again after a busy answer (503, 429) and the collector gets it once', async () => {
    const c = await collector([503, 429]);
    servers.push(c.server);
    const dropped = jest.fn();
    const result = await exported(new OtlpJsonExporter(c.url, { backoffMs: [10, 10], dropped }), await spans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(c.posts()).toBe(3);
    expect(c.taken).toHaveLength(1);
    expect(c.taken[0]).toContain('llm.call');
    expect(dropped).not.toHaveBeenCalled();
  });

  it('does not send again what the collector refused for good (400), and says it dropped it', async () => {
    const c = await collector([400]);
    servers.push(c.server);
    const dropped = jest.fn();
    const result = await exported(new OtlpJsonExporter(c.url, { backoffMs: [10, 10], dropped }), await spans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(c.posts()).toBe(1);
    expect(dropped).toHaveBeenCalledWith({ spans: 1, attempts: 1, reason: 'OTLP collector answered 400' });
  });

  it('gives up after its attempts when nobody listens, and says so', async () => {
    const c = await collector([]);
    const { url } = c;
    await new Promise((r) => c.server.close(r));
    const dropped = jest.fn();
    const result = await exported(new OtlpJsonExporter(url, { backoffMs: [10, 10], dropped }), await spans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(dropped).toHaveBeenCalledTimes(1);
    expect(dropped.mock.calls[0][0]).toMatchObject({ spans: 1, attempts: 3 });
    expect(dropped.mock.calls[0][0].reason).toMatch(/^OTLP collector unreachable/);
  });

  it('bounds each attempt: a collector that never answers is retried, then the batch is reported', async () => {
    const hung = createServer(() => undefined);
    servers.push(hung);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v1/traces`;
    const dropped = jest.fn();
    const exporter = new OtlpJsonExporter(url, { timeoutMs: 100, backoffMs: [10], dropped });
    const result = await exported(exporter, await spans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(dropped.mock.calls[0][0]).toMatchObject({ spans: 1, attempts: 2 });
  });

  it('flushes: forceFlush waits for a batch on its way', async () => {
    const c = await collector([503]);
    servers.push(c.server);
    const exporter = new OtlpJsonExporter(c.url, { backoffMs: [50] });
    exporter.export(await spans(), () => undefined);
    await exporter.forceFlush();
    expect(c.taken).toHaveLength(1);
  });
});
