import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig, type AppConfig } from './core/config/app-config';
import { createLogger, PinoNestLogger } from './core/logging/logger';
import { openDatabase } from './infra/database/database.runtime';
import { InfraModule, type InfraOptions } from './infra/infra.module';
import { startMetricsListener, type MetricsListener } from './infra/metrics/metrics-listener';
import { MetricsService } from './infra/metrics/metrics.service';
import { QueueService } from './infra/queue/queue.service';
import { startTelemetry } from './infra/telemetry/telemetry';
import { domainModules } from './modules/domain-modules';

/** The worker process: the same infra and domain modules as the API (processors register at init), no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(infra: InfraOptions): DynamicModule {
    return { module: WorkerModule, imports: [InfraModule.forRoot(infra), ...domainModules()] };
  }
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (!config.databaseUrl) {
    // An embedded database lives inside one process; in that mode the API runs the workers itself.
    process.stderr.write(
      'npm run worker needs DATABASE_URL (without it, `npm start` runs the workers inside the API)\n',
    );
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  const telemetry = startTelemetry(config, 'worker', logger);
  const database = await openDatabase(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, database, logger }), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await app.init();
  app.get(QueueService).startWorkers();
  // Workers have no API listener: with METRICS_PORT they serve their own /metrics (METRICS_TOKEN only).
  let listener: MetricsListener | undefined;
  if (config.metrics.port && config.metrics.token)
    listener = await startMetricsListener(app.get(MetricsService), {
      host: config.metrics.host,
      port: config.metrics.port,
      token: config.metrics.token,
    });
  logger.info(
    { pid: process.pid, queueBackend: app.get(QueueService).backendName, metricsPort: listener?.port },
    'opencode-api worker running',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker shutting down: finishing current jobs');
    // A second signal, or a drain that never ends, must not keep the process alive forever.
    const hard = setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000);
    hard.unref();
    try {
      await listener?.close();
      await app.close(); // QueueService.onApplicationShutdown drains the workers within SHUTDOWN_GRACE_MS
      await database.stop();
      await telemetry?.shutdown();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'worker shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
