import Redis from 'ioredis';
import { leaseRedisDb, testRedisUrl, type RedisLease } from '../../utils/redis-lease';

// The tests' Redis database leases (test/utils/redis-lease.ts) beside someone who does not lease: keys without the
// leaseholders' mark (a server started by hand on that index) are never flushed or shared; a leaseholder's
// leftovers are.

const base = testRedisUrl();
const run = base ? it : it.skip;
let lease: RedisLease | undefined;
let client: Redis | undefined;

afterEach(async () => {
  await client?.flushdb();
  client?.disconnect();
  client = undefined;
  await lease?.release();
  lease = undefined;
});

run("leaves an index with someone else's keys alone, and flushes a leaseholder's leftovers", async () => {
  lease = await leaseRedisDb(base!);
  const db = lease.db;
  client = new Redis(lease.url);
  // Someone who does not lease uses this index (its keys, no mark) once our lease is over.
  await client.flushdb();
  await client.set('bull:compaction:id', '7');
  await lease.release();
  lease = undefined;
  await expect(leaseRedisDb(base!, { only: [db], waitMs: 600 })).rejects.toThrow(/no free Redis database index/);
  expect(await client.get('bull:compaction:id')).toBe('7');

  // A leaseholder's leftovers (a killed run's keys, with the mark) are flushed by the next lease.
  await client.flushdb();
  const first = await leaseRedisDb(base!, { only: [db], waitMs: 5_000 });
  await client.set('bull:compaction:id', '8');
  await first.release();
  lease = await leaseRedisDb(base!, { only: [db], waitMs: 5_000 });
  expect(await client.get('bull:compaction:id')).toBeNull();
});
