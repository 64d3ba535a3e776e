import { startApi } from './bootstrap/create-app';
import { ConfigError, loadConfig } from './core/config/app-config';

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
  const api = await startApi(config);
  const mode = api.database.embedded ? 'embedded Postgres (PGlite)' : 'Postgres';
  api.logger.info({ url: api.url, database: mode, redis: !!config.redisUrl, bootMs: Date.now() - started }, 'opencode-api listening');
  if (api.demoKey) {
    process.stdout.write(`\n  opencode-api is up: ${api.url}  (Swagger UI: ${api.url}/docs)\n  Admin API key: ${api.demoKey}\n\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
