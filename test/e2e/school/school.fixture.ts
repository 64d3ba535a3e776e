import { createTenant, createUser, type TestUser } from '../../factories/tenant.factory';
import { isTitleRequest } from '../../fakes/llm';
import { client, type Client } from '../../utils/http';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// One school with two classes, built through the real admin API:
//   class A: teacherA, studentA        class B: teacherB, studentB
// plus a second school (its admin is "other tenant") and the platform administrator of the demo tenant.

export type Actor = 'platformAdmin' | 'admin' | 'teacher' | 'otherTeacher' | 'student' | 'otherStudent' | 'otherTenant';
export const ACTORS: Actor[] = [
  'platformAdmin',
  'admin',
  'teacher',
  'otherTeacher',
  'student',
  'otherStudent',
  'otherTenant',
];

export interface School {
  tenantId: string;
  users: Record<Exclude<Actor, 'platformAdmin' | 'otherTenant'>, TestUser>;
  classA: string;
  classB: string;
  http: Record<Actor, Client>;
}

export function expectOk<T = any>(res: { status: number; text: string; body: T }, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

export async function createClass(
  admin: Client,
  name: string,
  members: { userId: string; role: 'teacher' | 'student' }[],
): Promise<string> {
  const cls = expectOk(await admin.post('/admin/classes', { body: { name } }), 201, 'create class');
  for (const m of members)
    expectOk(await admin.post(`/admin/classes/${cls.id}/members`, { body: m }), 201, 'add member');
  return cls.id;
}

export async function createSchool(baseUrl: string, platformKey: string): Promise<School> {
  const t = await createTenant(baseUrl, platformKey);
  const other = await createTenant(baseUrl, platformKey);
  const otherTeacher = await createUser(baseUrl, t.admin.key, 'teacher');
  const otherStudent = await createUser(baseUrl, t.admin.key, 'student');
  const classA = await createClass(t.admin.http, 'Class A', [
    { userId: t.teacher.id, role: 'teacher' },
    { userId: t.student.id, role: 'student' },
  ]);
  const classB = await createClass(t.admin.http, 'Class B', [
    { userId: otherTeacher.id, role: 'teacher' },
    { userId: otherStudent.id, role: 'student' },
  ]);
  const users = { admin: t.admin, teacher: t.teacher, otherTeacher, student: t.student, otherStudent };
  return {
    tenantId: t.id,
    users,
    classA,
    classB,
    http: {
      platformAdmin: client(baseUrl, platformKey),
      admin: t.admin.http,
      teacher: t.teacher.http,
      otherTeacher: otherTeacher.http,
      student: t.student.http,
      otherStudent: otherStudent.http,
      otherTenant: other.admin.http,
    },
  };
}

/** The shared fake provider config, with prices on the model so steps have exact costs. */
export function pricedProviderConfig(baseUrl: string, extra: Record<string, unknown> = {}): string {
  return fakeProviderConfig(baseUrl, extra, { cost: { input: 1.1, output: 3.3, cache_read: 0.275 } });
}

export { isTitleRequest };

export const textPrompt = (text: string) => ({ parts: [{ type: 'text', text }] });
