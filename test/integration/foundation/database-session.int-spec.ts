import { Client } from 'pg';
import { loadConfig } from '../../../src/core/config/app-config';
import { openDatabase } from '../../../src/infra/database/database.runtime';
import { PrismaService } from '../../../src/infra/database/prisma.service';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';

// The server's own connections to DATABASE_URL do not wait for each commit's WAL flush unless asked
// (DATABASE_SYNCHRONOUS_COMMIT=on); the database's own default, which other clients get, is left alone.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await database?.close();
});

const SETTING = "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'";

async function serverSetting(env: Record<string, string>): Promise<{ setting: string; source: string }> {
  const runtime = await openDatabase(loadConfig({ DATABASE_URL: database.url, ...env }));
  const prisma = new PrismaService(runtime);
  try {
    return (await prisma.sql<{ setting: string; source: string }>(SETTING)).rows[0];
  } finally {
    await prisma.onModuleDestroy();
  }
}

it('runs the server connections with synchronous_commit off by default, on when configured', async () => {
  expect(await serverSetting({})).toEqual({ setting: 'off', source: 'client' });
  // `on` asks nothing of the connection: the database's own setting applies (on, unless its operator chose off).
  expect((await serverSetting({ DATABASE_SYNCHRONOUS_COMMIT: 'on' })).source).not.toBe('client');
});

it("leaves the database's default to other clients", async () => {
  await serverSetting({});
  const other = new Client({ connectionString: database.url });
  await other.connect();
  try {
    const { rows } = await other.query<{ source: string }>(SETTING);
    expect(rows[0].source).not.toBe('client');
  } finally {
    await other.end();
  }
});

it('refuses a value that is neither on nor off', () => {
  expect(() => loadConfig({ DATABASE_URL: database.url, DATABASE_SYNCHRONOUS_COMMIT: 'local' })).toThrow(
    /DATABASE_SYNCHRONOUS_COMMIT/,
  );
});
