import path from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../../core/config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { queueSchemaStep } from '../queue/queue.backend';
import { prismaSchemaStep } from './embedded-migrate';
import { migrateDeploy, PROJECT_ROOT } from './migrate';

export const DATABASE_RUNTIME = Symbol('DATABASE_RUNTIME');

export interface DatabaseRuntime {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Decides the database before Nest boots: DATABASE_URL when set (migrated by the Prisma CLI when asked), else an
 * embedded PostgreSQL under DATA_DIR/postgres (a throwaway one with EMBEDDED_DB_MEMORY), brought to the latest
 * migration on every start.
 */
export async function openDatabase(
  config: AppConfig,
  opts: { migrate?: boolean; logger?: Logger } = {},
): Promise<DatabaseRuntime> {
  if (config.databaseUrl) {
    if (opts.migrate) await migrateDeploy(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const pg = await startEmbeddedPostgres({
    dir: config.embeddedDbInMemory ? undefined : path.join(config.dataDir, 'postgres'),
    schema: [prismaSchemaStep(path.join(PROJECT_ROOT, 'prisma', 'migrations')), queueSchemaStep()],
    // Per checkout, like other tools' caches; every new cluster (a new DATA_DIR, EMBEDDED_DB_MEMORY, tests) copies it.
    templateDir: path.join(PROJECT_ROOT, 'node_modules', '.cache', 'opencode-api'),
    onLog: (level, message) => opts.logger?.[level]({ component: 'embedded-postgres' }, message),
  });
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
