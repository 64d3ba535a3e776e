import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsService } from './metrics.service';

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A worker's own scrape endpoint (workers have no API listener): `GET /metrics` with `Authorization: Bearer
 * <METRICS_TOKEN>`, and an unauthenticated `GET /global/health` for the orchestrator's liveness probe. Nothing else.
 */
export async function startMetricsListener(
  metrics: MetricsService,
  opts: { host: string; port: number; token: string },
): Promise<MetricsListener> {
  const expected = digest(opts.token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const reply = (status: number, name: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, data: { message } }));
    };
    if (req.method !== 'GET') return reply(405, 'MethodNotAllowed', 'GET only');
    if (path === '/global/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ healthy: true }));
    }
    if (path !== '/metrics') return reply(404, 'NotFoundError', 'Not found');
    const [scheme, value] = (req.headers.authorization ?? '').split(' ', 2);
    if (!/^bearer$/i.test(scheme ?? '') || !value || !timingSafeEqual(digest(value.trim()), expected))
      return reply(401, 'UnauthorizedError', 'The metrics token is required');
    metrics.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      },
      (err: Error) => reply(500, 'UnknownError', err.message),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
