import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Never answer (for timeout tests). */
  hang?: boolean;
  /** Stream this many bytes of filler without a content-length (for size-limit tests). */
  streamBytes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/**
 * A real HTTP server on 127.0.0.1 with scripted routes, standing in for web sites, Exa's MCP endpoint and
 * DuckDuckGo in tests. Unknown paths get 404; every request is recorded.
 */
export class FakeWebServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly open = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeWebServer> {
    const server = createServer();
    const fake = new FakeWebServer(server);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/', host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  /** Routes match the path without the query string. */
  on(path: string, reply: FakeReply | Handler): this {
    this.routes.set(path, typeof reply === 'function' ? reply : () => reply);
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const handler = this.routes.get(path);
    const reply: FakeReply = handler ? await handler(recorded) : { status: 404, body: 'not found' };
    if (reply.hang) {
      this.open.add(res);
      return;
    }
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    if (reply.streamBytes) {
      const block = Buffer.alloc(64 * 1024, 'x');
      let left = reply.streamBytes;
      const pump = () => {
        while (left > 0) {
          const piece = block.subarray(0, Math.min(block.length, left));
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      return pump();
    }
    res.end(reply.body ?? '');
  }
}

export const html = (body: string, status = 200): FakeReply => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
});
export const text = (body: string, type = 'text/plain; charset=utf-8'): FakeReply => ({
  headers: { 'content-type': type },
  body,
});
export const redirect = (location: string, status = 302): FakeReply => ({ status, headers: { location } });
export const json = (value: unknown, status = 200): FakeReply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});
