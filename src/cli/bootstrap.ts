import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../core/config/app-config';
import { createLogger, PinoNestLogger } from '../core/logging/logger';
import { openDatabase } from '../infra/database/database.runtime';
import { BootstrapService } from '../modules/tenant/bootstrap.service';
import { BootstrapCliModule } from './bootstrap-cli.module';

// `npm run bootstrap`: migrates DATABASE_URL and creates the first tenant with a platform administrator,
// printing its key once (BOOTSTRAP_API_KEY when set). Running it again changes nothing.

const USAGE = 'usage: npm run bootstrap -- [--slug <tenant-slug>] [--name <tenant name>]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        slug: { type: 'string', default: 'platform' },
        name: { type: 'string', default: 'Platform administration' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!config.databaseUrl) {
    process.stderr.write(
      'npm run bootstrap needs DATABASE_URL. In embedded mode `npm start` creates a demo tenant and prints its key.\n',
    );
    return 2;
  }
  // Redis plays no part here; leave it out so a down Redis cannot get in the way.
  const cliConfig: AppConfig = Object.freeze({ ...config, redisUrl: undefined, workersInApi: false });
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  process.stdout.write('Applying migrations…\n');
  const database = await openDatabase(cliConfig, { migrate: true });
  const app = await NestFactory.createApplicationContext(
    BootstrapCliModule.forRoot({ config: cliConfig, database, logger }),
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    },
  );
  try {
    const created = await app.get(BootstrapService).ensureFirstTenant({ slug: args.slug!, name: args.name! });
    if (created) {
      process.stdout.write(`Created tenant "${args.slug}" (${created.tenantId}) with a platform administrator.\n`);
      process.stdout.write(`Platform admin API key: ${created.key}\n`);
      if (!config.bootstrapApiKey) process.stdout.write('Store it now: only its hash is kept.\n');
    } else {
      process.stdout.write('A tenant and its administrator already exist; nothing to do.\n');
    }
    return 0;
  } finally {
    await app.close();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
