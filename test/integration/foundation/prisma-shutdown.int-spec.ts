import { PrismaService } from '../../../src/infra/database/prisma.service';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';

// Shutdown must not wait for ever on a connection that a stuck query holds: pg's Pool.end() waits for every
// checked-out client, so the service ends them after a bounded wait (the last CI run hung 75 minutes in a close).

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await database?.close();
});

it('ends a connection held by a never-ending query and closes the pool', async () => {
  const prisma = new PrismaService({ url: database.url, embedded: false, stop: async () => undefined });
  await prisma.$connect();
  const stuck = prisma.sql('SELECT pg_sleep(3600)');
  const outcome = stuck.then(
    () => 'finished',
    (err: Error) => err.message,
  );
  // The query is running on the server before the shutdown starts.
  const probe = new PrismaService({ url: database.url, embedded: false, stop: async () => undefined });
  try {
    for (;;) {
      const { rows } = await probe.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3600)%' AND state = 'active'",
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setImmediate(r));
    }
    await prisma.onModuleDestroy();
    expect(await outcome).not.toBe('finished');
    const { rows } = await probe.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3600)%' AND state = 'active'",
    );
    // The server may take a moment to notice the closed socket; the client side is what shutdown waits for.
    expect(rows[0].n).toBeLessThanOrEqual(1);
  } finally {
    await probe.onModuleDestroy();
  }
}, 60_000);
