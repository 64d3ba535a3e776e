import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/database/embedded-postgres';
import { EMBEDDED_DATABASE } from '../../src/infra/database/embedded-postgres.cluster';
import { prismaSchemaStep } from '../../src/infra/database/embedded-migrate';
import { PROJECT_ROOT } from '../../src/infra/database/migrate';
import { queueSchemaStep } from '../../src/infra/queue/queue.schema';
import {
  dropStaleTestDatabases,
  EMBEDDED_SERVER_ENV,
  ensureEmbeddedTemplate,
  ensureTemplate,
  testServerUrl,
} from './test-database';

// Jest globalSetup for the integration, e2e and fault tiers: runs in jest's own process before any test file (once
// per project, hence idempotent). With DATABASE_URL it migrates the template database every test file copies (see
// test-database.ts). Without it, it starts a throwaway embedded PostgreSQL for the run (from the same snapshot as
// `npm start`) and hands its URL to the test workers through the environment; global-teardown.ts stops it.

const holder = globalThis as { __ocEmbeddedPg?: EmbeddedPostgres };

export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const started = Date.now();
  if (!testServerUrl()) {
    holder.__ocEmbeddedPg = await startEmbeddedPostgres({
      schema: [prismaSchemaStep(path.join(PROJECT_ROOT, 'prisma', 'migrations')), queueSchemaStep()],
      templateDir: path.join(PROJECT_ROOT, 'node_modules', '.cache', 'opencode-api'),
    });
    process.env[EMBEDDED_SERVER_ENV] = holder.__ocEmbeddedPg.url;
    const template = await ensureEmbeddedTemplate(holder.__ocEmbeddedPg.url, EMBEDDED_DATABASE);
    if (process.env.TEST_VERBOSE_SETUP)
      process.stderr.write(
        `embedded PostgreSQL ${holder.__ocEmbeddedPg.dir}, template ${template}, ready in ${Date.now() - started} ms\n`,
      );
    return;
  }
  if (process.env[EMBEDDED_SERVER_ENV]) return;
  const server = testServerUrl()!;
  await dropStaleTestDatabases(server).catch(() => 0);
  const template = await ensureTemplate(server);
  if (process.env.TEST_VERBOSE_SETUP)
    process.stderr.write(`test template ${template} ready in ${Date.now() - started} ms\n`);
}
