import { startBanner } from './bootstrap/start-banner';
import { ConfigError, loadConfig } from './core/config/app-config';
import { createLogger } from './core/logging/logger';
import { openDatabase } from './infra/database/database.runtime';

async function main(): Promise<void> {
  const started = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  // The database first: the embedded cluster is copied (on the thread pool) and its server starts while the app's
  // modules (Nest, Prisma, BullMQ, every route) load below, instead of one after the other.
  const opening = openDatabase(config, { logger });
  opening.catch(() => undefined); // awaited below; never an unhandled rejection in between
  await new Promise((resolve) => setImmediate(resolve)); // the copy is queued before the loading blocks the thread
  const { startApi } = await import('./bootstrap/create-app');
  const database = await opening;
  let api;
  try {
    api = await startApi(config, { logger, database });
  } catch (err) {
    await database.stop().catch(() => undefined);
    throw err;
  }
  const mode = api.database.embedded ? 'embedded PostgreSQL' : 'Postgres';
  api.logger.info(
    { url: api.url, database: mode, redis: !!config.redisUrl, bootMs: Date.now() - started },
    'opencode-api listening',
  );
  // dist/main.js keeps V8's code cache of the boot from here (scripts/code-cache-loader.cjs); nothing else listens.
  const processEvents: NodeJS.EventEmitter = process;
  processEvents.emit('opencode-api:booted');
  if (config.logFormat === 'pretty')
    process.stdout.write(startBanner(config, api.url, api.demoKey, api.database.embedded));
  else if (api.demoKey)
    process.stdout.write(
      `\n  opencode-api is up: ${api.url}  (Swagger UI: ${api.url}/docs)\n  Admin API key: ${api.demoKey}\n\n`,
    );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    api.logger.info({ signal }, 'shutting down');
    // A drain that never ends must not keep the process (and its database) alive forever.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 20_000).unref();
    try {
      await api.close(); // HTTP, then the workers drain, then the embedded database stops
      process.exit(0);
    } catch (err) {
      api.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
