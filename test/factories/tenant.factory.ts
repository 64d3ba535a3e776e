import { randomBytes } from 'node:crypto';
import { client, type Client } from '../utils/http';

// Tenants are made the way a school platform makes them: through the real admin API, with a platform admin's
// key. Each test makes its own tenant(s), so tests never depend on each other's data.

export type Role = 'admin' | 'teacher' | 'student';

export interface TestUser {
  id: string;
  role: Role;
  name: string;
  key: string;
  /** HTTP client authenticated as this user. */
  http: Client;
}

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
  admin: TestUser;
  teacher: TestUser;
  student: TestUser;
  as(role: Role): TestUser;
}

function expectStatus(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status}: ${res.text}`);
}

export function uniqueSlug(prefix = 'school'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A user of the tenant with a key of their own, created by that tenant's admin. */
export async function createUser(
  baseUrl: string,
  adminKey: string,
  role: Role,
  name = `${role} ${randomBytes(3).toString('hex')}`,
): Promise<TestUser> {
  const admin = client(baseUrl, adminKey);
  const user = await admin.post('/admin/users', { body: { name, role } });
  expectStatus(user, 201, `create ${role}`);
  const key = await admin.post('/admin/keys', { body: { name: `${role} key`, userId: user.body.id } });
  expectStatus(key, 201, `create ${role} key`);
  return { id: user.body.id, role, name, key: key.body.key, http: client(baseUrl, key.body.key) };
}

/** A tenant with an admin, a teacher and a student, each holding an API key. */
export async function createTenant(
  baseUrl: string,
  platformAdminKey: string,
  opts: { slug?: string; name?: string } = {},
): Promise<TestTenant> {
  const slug = opts.slug ?? uniqueSlug();
  const name = opts.name ?? `School ${slug}`;
  const created = await client(baseUrl, platformAdminKey).post('/admin/tenants', {
    body: { name, slug, admin: { name: 'Head Admin' } },
  });
  expectStatus(created, 201, 'create tenant');
  const adminKey: string = created.body.key;
  const admin: TestUser = {
    id: created.body.adminUserId,
    role: 'admin',
    name: 'Head Admin',
    key: adminKey,
    http: client(baseUrl, adminKey),
  };
  const teacher = await createUser(baseUrl, adminKey, 'teacher');
  const student = await createUser(baseUrl, adminKey, 'student');
  const users = { admin, teacher, student };
  return { id: created.body.tenant.id, slug, name, ...users, as: (role) => users[role] };
}
