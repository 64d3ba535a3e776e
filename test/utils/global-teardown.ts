import type { EmbeddedPostgres } from '../../src/infra/database/embedded-postgres';
import { EMBEDDED_SERVER_ENV } from './test-database';

// Stops the run's throwaway embedded PostgreSQL (global-setup.ts), once whichever project ends last calls it.
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __ocEmbeddedPg?: EmbeddedPostgres };
  const pg = holder.__ocEmbeddedPg;
  holder.__ocEmbeddedPg = undefined;
  delete process.env[EMBEDDED_SERVER_ENV];
  await pg?.stop();
}
