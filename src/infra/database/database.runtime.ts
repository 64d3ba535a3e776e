import path from 'node:path';
import type { AppConfig } from '../../core/config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { migrateDeploy } from './migrate';

export const DATABASE_RUNTIME = Symbol('DATABASE_RUNTIME');

export interface DatabaseRuntime {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Decides the database before Nest boots: DATABASE_URL when set, else an embedded Postgres under DATA_DIR,
 * migrated on every start (deploy is a no-op when up to date).
 */
export async function openDatabase(config: AppConfig, opts: { migrate?: boolean } = {}): Promise<DatabaseRuntime> {
  if (config.databaseUrl) {
    if (opts.migrate) await migrateDeploy(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const pg = await startEmbeddedPostgres({ dataDir: config.embeddedDbInMemory ? undefined : path.join(config.dataDir, 'pg') });
  try {
    await migrateDeploy(pg.url);
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
