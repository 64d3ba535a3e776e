import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { ApiKeyService, hashKey } from '../../../src/modules/auth/api-key.service';
import { TenantService } from '../../../src/modules/tenant/tenant.service';
import { createTestContext, type TestContext } from '../../utils/test-context';
import { waitUntil } from '../../utils/wait-until';

// API keys against a real database: only a hash is stored, verification, revocation, expiry, deleted users,
// and that one tenant cannot revoke another's key.

let ctx: TestContext;
let keys: ApiKeyService;
let tenants: TenantService;
let pg: Client;

const admin = (tenantId: string, userId: string): AuthContext => ({
  tenantId,
  userId,
  role: 'admin',
  platformAdmin: false,
});

beforeAll(async () => {
  ctx = await createTestContext(domainModules()); // the API's composition: modules may depend on each other;
  keys = ctx.get(ApiKeyService);
  tenants = ctx.get(TenantService);
  pg = new Client({ connectionString: ctx.database.url });
  await pg.connect();
});

afterAll(async () => {
  await pg?.end();
  await ctx?.close();
});

async function school(slug: string) {
  const { tenant, admin: user, key } = await tenants.createTenant({ name: slug, slug, admin: { name: 'Admin' } });
  return { tenantId: tenant.id, userId: user.id, key, auth: admin(tenant.id, user.id) };
}

it('stores only a SHA-256 hash and a short visible prefix', async () => {
  const s = await school('hash-school');
  const { rows } = await pg.query('SELECT * FROM "ApiKey" WHERE "tenantId" = $1', [s.tenantId]);
  expect(rows).toHaveLength(1);
  const row = rows[0];
  expect(row.hash).toBe(createHash('sha256').update(s.key).digest('hex'));
  expect(row.prefix).toBe(s.key.slice(0, 10));
  expect(s.key).toMatch(/^oc_[A-Za-z0-9_-]{32}$/);
  // The key itself appears in no column.
  expect(JSON.stringify(row)).not.toContain(s.key);
});

it('verifies a key to its tenant, user and role, and nothing else', async () => {
  const s = await school('verify-school');
  await expect(keys.verify(s.key)).resolves.toMatchObject({
    tenantId: s.tenantId,
    userId: s.userId,
    role: 'admin',
    platformAdmin: false,
  });
  await expect(keys.verify(s.key + 'x')).resolves.toBeNull();
  await expect(keys.verify('')).resolves.toBeNull();
  await expect(keys.verify(s.key.toUpperCase())).resolves.toBeNull();
});

it('records when a key was last used', async () => {
  const s = await school('touch-school');
  const before = await pg.query('SELECT "lastUsedAt" FROM "ApiKey" WHERE "tenantId" = $1', [s.tenantId]);
  expect(before.rows[0].lastUsedAt).toBeNull();
  await keys.verify(s.key);
  const lastUsedAt = await waitUntil('lastUsedAt to be written', async () => {
    const after = await pg.query('SELECT "lastUsedAt" FROM "ApiKey" WHERE "tenantId" = $1', [s.tenantId]);
    return after.rows[0].lastUsedAt as Date | null;
  });
  expect(lastUsedAt).toBeInstanceOf(Date);
});

it('stops accepting a key as soon as it is revoked, and keeps the row', async () => {
  const s = await school('revoke-school');
  const issued = await tenants.issueKey(s.auth, { name: 'second' });
  await expect(keys.verify(issued.key)).resolves.not.toBeNull();
  const revoked = await tenants.revokeKey(s.auth, issued.id);
  expect(revoked?.revokedAt).toBeInstanceOf(Date);
  await expect(keys.verify(issued.key)).resolves.toBeNull();
  // The admin's own key is unaffected.
  await expect(keys.verify(s.key)).resolves.not.toBeNull();
  const { rows } = await pg.query('SELECT "revokedAt" FROM "ApiKey" WHERE id = $1', [issued.id]);
  expect(rows[0].revokedAt).toBeInstanceOf(Date);
});

it('refuses expired keys', async () => {
  const s = await school('expiry-school');
  const past = await tenants.issueKey(s.auth, { name: 'old', expiresAt: new Date(Date.now() - 1000) });
  const future = await tenants.issueKey(s.auth, { name: 'new', expiresAt: new Date(Date.now() + 3600_000) });
  await expect(keys.verify(past.key)).resolves.toBeNull();
  await expect(keys.verify(future.key)).resolves.toMatchObject({ tenantId: s.tenantId });
});

it('revokes the keys of a deleted user', async () => {
  const s = await school('delete-school');
  const student = await tenants.createUser(s.auth, { name: 'Student', role: 'student' });
  const k = await tenants.issueKey(s.auth, { name: 'student key', userId: student.id });
  await expect(keys.verify(k.key)).resolves.toMatchObject({ userId: student.id, role: 'student' });
  await tenants.deleteUser(s.auth, student.id);
  const { rows } = await pg.query('SELECT "revokedAt" FROM "ApiKey" WHERE id = $1', [k.id]);
  expect(rows[0].revokedAt).toBeInstanceOf(Date);
  // verify() caches a result for 5 s (and deleteUser does not clear that cache), so the key dies once that expires.
  // The fact awaited is the refusal; the bound is generous (a loaded machine stretches time, not the cache's TTL).
  await waitUntil(
    "the deleted user's key to be refused",
    () => keys.verify(k.key),
    (verified) => verified === null,
    { timeoutMs: 30_000, everyMs: 200 },
  );
});

it('does not let one tenant see or revoke the key of another', async () => {
  const a = await school('tenant-a-keys');
  const b = await school('tenant-b-keys');
  const bKey = await tenants.issueKey(b.auth, { name: 'b extra' });
  await expect(tenants.revokeKey(a.auth, bKey.id)).rejects.toMatchObject({ status: 404 });
  expect((await tenants.listKeys(a.auth)).map((k) => k.id)).not.toContain(bKey.id);
  await expect(keys.verify(bKey.key)).resolves.toMatchObject({ tenantId: b.tenantId });
  expect(hashKey(bKey.key)).toHaveLength(64);
});

it('re-reads many callers’ rights in one go (open streams’ re-check): each gets its own, across schools', async () => {
  const a = await school('many-a');
  const b = await school('many-b');
  const student = await tenants.createUser(a.auth, { name: 'Student', role: 'student' });
  const studentKey = await tenants.issueKey(a.auth, { name: 'student', userId: student.id });
  const revoked = await tenants.issueKey(a.auth, { name: 'revoked' });
  await tenants.revokeKey(a.auth, revoked.id);
  const expired = await tenants.issueKey(a.auth, { name: 'old', expiresAt: new Date(Date.now() - 1000) });
  const gone = await tenants.createUser(a.auth, { name: 'Gone', role: 'student' });
  await tenants.deleteUser(a.auth, gone.id);
  const bKey = await tenants.issueKey(b.auth, { name: 'b' });
  const keyed = (tenantId: string, userId: string, keyId: string, role: AuthContext['role']): AuthContext => ({
    tenantId,
    userId,
    keyId,
    role,
    platformAdmin: false,
  });
  const callers = [
    // Opened as a teacher: the key's user is a student now, and that is what comes back (the stream then closes).
    keyed(a.tenantId, student.id, studentKey.id, 'teacher'),
    keyed(a.tenantId, a.userId, revoked.id, 'admin'),
    keyed(a.tenantId, a.userId, expired.id, 'admin'),
    // Another school's key named under this school is not found.
    keyed(a.tenantId, b.userId, bKey.id, 'admin'),
    keyed(b.tenantId, b.userId, bKey.id, 'admin'),
    // Signed in by JWT (no key): only the user's deletion is read.
    { ...admin(a.tenantId, student.id), role: 'student' as const },
    { ...admin(a.tenantId, gone.id), role: 'student' as const },
  ];
  const now = await keys.currentMany(callers);
  expect(now.map((c) => c && c.role)).toEqual(['student', null, null, null, 'admin', 'student', null]);
  // `current` is the same read for one.
  await expect(keys.current(callers[4])).resolves.toMatchObject({ tenantId: b.tenantId, role: 'admin' });
  await expect(keys.current(callers[1])).resolves.toBeNull();
});
