import path from 'node:path';
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
 * embedded Postgres under DATA_DIR, brought to the latest migration in-process on every start.
 */
export async function openDatabase(config: AppConfig, opts: { migrate?: boolean } = {}): Promise<DatabaseRuntime> {
  if (config.databaseUrl) {
    if (opts.migrate) await migrateDeploy(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const pg = await startEmbeddedPostgres({
    dataDir: config.embeddedDbInMemory ? undefined : path.join(config.dataDir, 'pg'),
    schema: [prismaSchemaStep(path.join(PROJECT_ROOT, 'prisma', 'migrations')), queueSchemaStep()],
    // Per checkout, like other tools' caches; a fresh DATA_DIR (tests, smoke runs, `EMBEDDED_DB_MEMORY`) starts from it.
    templateDir: path.join(PROJECT_ROOT, 'node_modules', '.cache', 'opencode-api'),
  });
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
