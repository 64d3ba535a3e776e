import path from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../../core/config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { queueSchemaStep } from '../queue/queue.schema';
import { prismaSchemaStep } from './embedded-migrate';
import { migrateDeploy, PROJECT_ROOT } from './migrate';

export const DATABASE_RUNTIME = Symbol('DATABASE_RUNTIME');

export interface DatabaseRuntime {
  url: string;
  embedded: boolean;
  /** Session settings of the server's connections (libpq `options`), e.g. `-c synchronous_commit=off`. */
  options?: string;
  /** Name the server's statements so each connection parses and plans them once (DATABASE_PREPARED_STATEMENTS). */
  preparedStatements?: boolean;
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
    // As the embedded cluster runs: a prompt makes about ten small commits, and on a disk that takes 1-3 ms per
    // flush, waiting for each is most of a prompt's database time. Off, a crash of the database server may lose
    // the commits of its last fraction of a second (3 × wal_writer_delay), never corrupt anything
    // (DATABASE_SYNCHRONOUS_COMMIT=on to wait). A session setting: the database's own default is left alone.
    const options = config.databaseSynchronousCommit ? undefined : '-c synchronous_commit=off';
    return {
      url: config.databaseUrl,
      embedded: false,
      preparedStatements: config.databasePreparedStatements,
      ...(options ? { options } : {}),
      stop: async () => undefined,
    };
  }
  const pg = await startEmbeddedPostgres({
    dir: config.embeddedDbInMemory ? undefined : path.join(config.dataDir, 'postgres'),
    schema: [prismaSchemaStep(path.join(PROJECT_ROOT, 'prisma', 'migrations')), queueSchemaStep()],
    // Per checkout, like other tools' caches; every new cluster (a new DATA_DIR, EMBEDDED_DB_MEMORY, tests) copies it.
    templateDir: path.join(PROJECT_ROOT, 'node_modules', '.cache', 'opencode-api'),
    onLog: (level, message) => opts.logger?.[level]({ component: 'embedded-postgres' }, message),
  });
  return { url: pg.url, embedded: true, preparedStatements: config.databasePreparedStatements, stop: () => pg.stop() };
}
