import { loadConfig } from '../../../src/core/config/app-config';
import { openDatabase } from '../../../src/infra/database/database.runtime';
import { PrismaService } from '../../../src/infra/database/prisma.service';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';

// The server's own statements (PrismaService.sql) are prepared once per connection under a name, unless
// DATABASE_PREPARED_STATEMENTS=off; a statement whose table changed under it (a migration while the server runs) still
// answers, unnamed from then on.

let database: TestDatabase;
const services: PrismaService[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  for (const s of services) await s.onModuleDestroy();
  await database?.close();
});

async function service(env: Record<string, string> = {}): Promise<PrismaService> {
  const s = new PrismaService(await openDatabase(loadConfig({ DATABASE_URL: database.url, ...env })));
  services.push(s);
  return s;
}

// Sequential calls reuse the pool's one idle connection, so this sees the statements the calls before prepared.
const PREPARED = `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'oc\\_%'`;
const prepared = async (s: PrismaService) => (await s.sql<{ n: number }>(PREPARED)).rows[0].n;

it('prepares a statement once per connection and runs it again by name', async () => {
  const s = await service();
  const before = await prepared(s);
  for (let i = 0; i < 3; i++)
    expect((await s.sql<{ v: number }>('SELECT $1::int + 1 AS v', [i])).rows).toEqual([{ v: i + 1 }]);
  // The statement, and the count's own.
  expect(await prepared(s)).toBe(before + 1);
});

it('answers a statement whose table changed under its plan, and sends it unnamed from then on', async () => {
  const s = await service();
  await s.sql('CREATE TABLE prep_t (id int PRIMARY KEY)');
  await s.sql('INSERT INTO prep_t VALUES (1)');
  const read = () => s.sql<Record<string, unknown>>('SELECT * FROM prep_t WHERE id = $1', [1]);
  expect((await read()).rows).toEqual([{ id: 1 }]);
  // A migration adds a column while the server runs: the cached plan's result type no longer holds.
  await s.sql('ALTER TABLE prep_t ADD COLUMN note text');
  expect((await read()).rows).toEqual([{ id: 1, note: null }]);
  expect((await read()).rows).toEqual([{ id: 1, note: null }]);
});

it('prepares nothing with DATABASE_PREPARED_STATEMENTS=off (a pooler in transaction mode)', async () => {
  const s = await service({ DATABASE_PREPARED_STATEMENTS: 'off' });
  await s.sql('SELECT 1');
  expect((await s.sql<{ n: number }>(PREPARED)).rows[0].n).toBe(0);
  expect(() => loadConfig({ DATABASE_URL: database.url, DATABASE_PREPARED_STATEMENTS: 'maybe' })).toThrow(
    /DATABASE_PREPARED_STATEMENTS/,
  );
});
