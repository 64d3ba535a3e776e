import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { FetchLike } from './adapter.options';

// The AWS SDK sends through a smithy HttpHandler (HTTP/2 by default for Bedrock Runtime). This one goes
// through a WHATWG fetch instead, so the egress guard (DNS pinning, private-address refusal) sees every
// request an SDK-backed provider makes, exactly as it does for the fetch-based SDKs.

interface SmithyRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

interface SmithyResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Readable;
}

function urlOf(request: SmithyRequest): string {
  const port = request.port ? `:${request.port}` : '';
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === null) query.append(key, '');
    else for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
  }
  const qs = query.toString();
  return `${request.protocol}//${request.hostname}${port}${request.path}${qs ? `?${qs}` : ''}`;
}

function bodyOf(body: unknown): RequestInit['body'] {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body as RequestInit['body'];
  throw new Error('Streaming request bodies are not supported by this HTTP handler');
}

export class FetchHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(
    private readonly fetchFn: FetchLike = fetch,
    private readonly timeoutMs?: number,
  ) {}

  async handle(
    request: SmithyRequest,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<{ response: SmithyResponse }> {
    const signals = [options.abortSignal, this.timeoutMs ? AbortSignal.timeout(this.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined && typeof (s as AbortSignal).addEventListener === 'function',
    );
    const headers = { ...request.headers };
    // fetch sets these itself and refuses some of them.
    delete headers['host'];
    delete headers['content-length'];
    const response = await this.fetchFn(urlOf(request), {
      method: request.method,
      headers,
      body: bodyOf(request.body),
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    });
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    const body = response.body
      ? Readable.fromWeb(response.body as unknown as NodeWebStream<Uint8Array>)
      : Readable.from([]);
    return { response: { statusCode: response.status, reason: response.statusText, headers: out, body } };
  }

  updateHttpClientConfig(): void {
    // nothing to configure: fetch owns the connection pool
  }

  httpHandlerConfigs(): Record<string, unknown> {
    return {};
  }

  destroy(): void {
    // nothing held
  }
}
