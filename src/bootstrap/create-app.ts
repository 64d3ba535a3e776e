import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../core/config/app-config';
import { createLogger, PinoNestLogger } from '../core/logging/logger';
import { openDatabase, type DatabaseRuntime } from '../infra/database/database.runtime';
import { httpMetricsMiddleware } from '../infra/metrics/http-metrics.middleware';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueueService } from '../infra/queue/queue.service';
import { httpTracingMiddleware } from '../infra/telemetry/http-tracing.middleware';
import { startTelemetry } from '../infra/telemetry/telemetry';
import { BootstrapService } from '../modules/tenant/bootstrap.service';
import { refuseDeepJson } from '../core/http/json-depth';
import { settlesWithin } from '../core/lifecycle/settles-within';
import { requestIdMiddleware, requestIdOnError } from '../core/http/request-context';
import { overloadGate } from '../core/http/overload-gate';
import { LoopLag } from '../core/lifecycle/loop-lag';
import { setupSwagger } from './swagger';

/** How long an idle keep-alive connection stays open (advertised to clients as `Keep-Alive: timeout=65`). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  database: DatabaseRuntime;
  logger: Logger;
  url: string;
  demoKey?: string;
  close(): Promise<void>;
}

/**
 * Builds and starts the API (used by main.ts and the e2e tests). Signals are main.ts's business: close() ends the
 * app first (workers drain) and the embedded database after it. `database`: one already opened (main.ts opens it
 * while the app's modules load); close() stops it all the same.
 */
export async function startApi(
  config: AppConfig,
  opts: { logger?: Logger; migrate?: boolean; listen?: boolean; database?: DatabaseRuntime } = {},
): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger(config.logLevel, config.logFormat);
  const database = opts.database ?? (await openDatabase(config, { migrate: opts.migrate, logger }));
  try {
    return await buildApp(config, database, logger, opts.listen !== false);
  } catch (err) {
    // A database this call opened would otherwise outlive the failed start (an embedded postmaster, its folder).
    if (!opts.database) await database.stop().catch(() => undefined);
    throw err;
  }
}

async function buildApp(
  config: AppConfig,
  database: DatabaseRuntime,
  logger: Logger,
  listen: boolean,
): Promise<RunningApp> {
  const telemetry = startTelemetry(config, 'api', logger);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, database, logger }), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  const metrics = app.get(MetricsService);
  app.use(httpMetricsMiddleware(metrics));
  // The request id comes before the body parsers, so a malformed body's 400 carries it like every other error.
  app.use(requestIdMiddleware);
  // Before the body is read and the caller is looked up: a refusal under overload must cost next to nothing.
  const lag = new LoopLag();
  lag.start();
  metrics.watchOverload(lag, config.overload.lagMs);
  app.use(overloadGate(config.overload, lag, (kind) => metrics.overloadRefusals.inc({ kind })));
  // body-parser's `verify` hook is not in Nest's option type; it runs before JSON.parse.
  app.useBodyParser('json', { limit: '25mb', verify: refuseDeepJson } as Parameters<
    typeof app.useBodyParser<'json'>
  >[1]);
  app.useBodyParser('urlencoded', { limit: '1mb', extended: false });
  // Archives and single files arrive as raw bodies (classroom starter files and file uploads); their own checks
  // (size, count, paths) run on the bytes, this only bounds what is read into memory.
  app.useBodyParser('raw', {
    type: ['application/zip', 'application/gzip', 'application/x-gzip', 'application/octet-stream'],
    limit: '12mb',
  });
  app.use(requestIdOnError);
  if (telemetry) app.use(httpTracingMiddleware());
  app.enableCors({ origin: true, credentials: true, exposedHeaders: ['x-request-id', 'x-next-cursor', 'link'] });
  app.set('etag', false);
  app.set('x-powered-by', false);
  // Behind a reverse proxy the share links' per-IP limit must count the client, not the proxy.
  if (config.trustProxy) app.set('trust proxy', trustProxyValue(config.trustProxy));
  setupSwagger(app);
  await app.init();

  let demoKey: string | undefined;
  if (database.embedded || config.bootstrapApiKey)
    demoKey = (await app.get(BootstrapService).ensureDemo()) ?? undefined;
  if (config.workersInApi) app.get(QueueService).startWorkers();
  // Idle keep-alive connections stay open 65 s, not Node's 5 s: a client that sends on an idle connection just as
  // the server closes it gets ECONNRESET. Proxies keep idle upstream connections up to 60 s, and a client's own
  // idle check (undici: the server's hint minus 2 s) loses that race when its event loop lags, as under load.
  const httpServer = app.getHttpServer() as Server;
  httpServer.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  httpServer.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  if (listen) await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  return {
    app,
    config,
    database,
    logger,
    url,
    demoKey,
    async close() {
      // Open SSE streams and keep-alive sockets would hold the HTTP server open: after a grace period, end them,
      // and keep ending the ones that arrive while the shutdown hooks still run (the server closes only after them).
      const server = app.getHttpServer();
      const force = setInterval(() => server.closeAllConnections?.(), config.shutdownGraceMs).unref();
      // Each hook bounds its own waits; this bound is the last line, so a stuck hook cannot keep the process open.
      const bound = config.shutdownGraceMs * 3 + 20_000;
      if (!(await settlesWithin(app.close(), bound)))
        logger.warn({ boundMs: bound }, 'application shutdown overran its bound; stopping the database anyway');
      clearInterval(force);
      lag.stop();
      await database.stop();
      await telemetry?.shutdown();
    },
  };
}

/** Express's `trust proxy` from TRUST_PROXY: `true`/`false`, a hop count, or names and addresses. */
function trustProxyValue(raw: string): boolean | number | string {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}
