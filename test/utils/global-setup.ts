import { dropStaleTestDatabases, ensureTemplate, testServerUrl } from './test-database';

// Jest globalSetup for the integration, e2e and fault tiers: runs once per `jest` run, before any test file.
// With DATABASE_URL it migrates the template database every test file copies (see test-database.ts).
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const server = testServerUrl();
  if (!server) return;
  const started = Date.now();
  await dropStaleTestDatabases(server).catch(() => 0);
  const template = await ensureTemplate(server);
  if (process.env.TEST_VERBOSE_SETUP) process.stderr.write(`test template ${template} ready in ${Date.now() - started} ms\n`);
}
