import fs from 'node:fs';
import path from 'node:path';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { ProjectService } from '../../../src/modules/project/project.service';
import { ClassService } from '../../../src/modules/school/class/class.service';
import { TenantService } from '../../../src/modules/tenant/tenant.service';
import { createTestContext, type TestContext } from '../../utils/test-context';

// How a request's `directory` selects a project: default project, by name, by a worktree path we handed out;
// other users' and other tenants' projects stay out of reach.

let ctx: TestContext;
let projects: ProjectService;
let a: { admin: AuthContext; teacher: AuthContext; student: AuthContext; student2: AuthContext };
let b: { admin: AuthContext };

async function makeTenant(slug: string) {
  const tenants = ctx.get(TenantService);
  const { tenant, admin } = await tenants.createTenant({ name: slug, slug, admin: { name: 'Admin' } });
  const adminAuth: AuthContext = { tenantId: tenant.id, userId: admin.id, role: 'admin', platformAdmin: false };
  const user = async (role: 'teacher' | 'student') => {
    const u = await tenants.createUser(adminAuth, { name: role, role });
    return { tenantId: tenant.id, userId: u.id, role, platformAdmin: false } as AuthContext;
  };
  return {
    admin: adminAuth,
    teacher: await user('teacher'),
    student: await user('student'),
    student2: await user('student'),
  };
}

beforeAll(async () => {
  ctx = await createTestContext(domainModules()); // the API's composition: modules may depend on each other;
  projects = ctx.get(ProjectService);
  a = await makeTenant('project-a');
  b = await makeTenant('project-b');
});

afterAll(() => ctx?.close());

/** A project as a write stores it (reads never create one). */
const created = async (auth: AuthContext, directory?: string) =>
  projects.toInfo(await projects.resolve(auth, directory, 'write'));

it('a read names a project that does not exist yet without storing it; the first write stores the same id', async () => {
  const before = (await projects.list(a.student)).length;
  const seen = await projects.current(a.student, 'not-yet');
  expect(seen).toMatchObject({ name: 'not-yet' });
  expect(fs.existsSync(seen.worktree)).toBe(false);
  // Named again by the path it was shown, still not stored; another student's draft path stays theirs.
  expect((await projects.current(a.student, seen.worktree)).id).toBe(seen.id);
  await expect(projects.current(a.student2, seen.worktree)).rejects.toMatchObject({ status: 404 });
  await expect(projects.get(a.student, seen.id)).rejects.toMatchObject({ status: 404 });
  expect((await projects.list(a.student)).length).toBe(before);

  const stored = await created(a.student, 'not-yet');
  expect(stored.id).toBe(seen.id);
  expect(fs.statSync(stored.worktree).isDirectory()).toBe(true);
  expect((await projects.list(a.student)).map((p) => p.id)).toContain(seen.id);
  expect((await projects.current(a.student, 'not-yet')).id).toBe(seen.id);
});

it("GET /project lists the caller's default project before it is stored; a change to it by id stores it", async () => {
  const listed = await projects.listWithDefault(a.student2);
  const draft = listed.find((p) => p.name === 'default')!;
  expect(draft.worktree).toBe(
    path.join(ctx.config.workspaceRoot, a.student2.tenantId, `${a.student2.userId}--default`),
  );
  expect((await projects.list(a.student2)).map((p) => p.id)).not.toContain(draft.id);
  // Someone else's default id is not the caller's to store.
  await expect(projects.update(a.student, draft.id, { name: 'x' })).rejects.toMatchObject({ status: 404 });
  const renamed = await projects.update(a.student2, draft.id, { name: 'My work' });
  expect(renamed).toMatchObject({ id: draft.id, name: 'My work' });
  expect((await projects.list(a.student2)).map((p) => p.id)).toContain(draft.id);
});

it('gives each user a default project whose folder is created under WORKSPACE_ROOT/<tenant>/', async () => {
  const p = await created(a.student);
  expect(p.worktree).toBe(path.join(ctx.config.workspaceRoot, a.student.tenantId, `${a.student.userId}--default`));
  expect(fs.statSync(p.worktree).isDirectory()).toBe(true);
  expect(p.name).toBe('default');
  // Stable: the same project on every call, also after the cache.
  expect((await projects.current(a.student)).id).toBe(p.id);
  expect((await projects.current(a.student2)).id).not.toBe(p.id);
});

it('selects a project by name (the basename of any path) and by its own worktree path', async () => {
  const byName = await created(a.student, 'homework');
  expect(byName.name).toBe('homework');
  expect((await projects.current(a.student, '/home/someone/src/homework/')).id).toBe(byName.id);
  expect((await projects.current(a.student, byName.worktree)).id).toBe(byName.id);
  expect((await projects.current(a.student, path.join(byName.worktree, 'src', 'deep'))).id).toBe(byName.id);
  const paths = await projects.paths(a.student, 'homework');
  expect(paths).toMatchObject({ worktree: byName.worktree, directory: byName.worktree });
});

it("answers 404 for another student's worktree; lets in the school's admins and the teachers of the student's class", async () => {
  const mine = await created(a.student, 'essay');
  await expect(projects.current(a.student2, mine.worktree)).rejects.toMatchObject({ status: 404 });
  await expect(projects.get(a.student2, mine.id)).rejects.toMatchObject({ status: 404 });
  // A teacher who does not teach the student is any other user of the school here.
  await expect(projects.current(a.teacher, mine.worktree)).rejects.toMatchObject({ status: 404 });
  expect((await projects.current(a.admin, mine.worktree)).id).toBe(mine.id);

  const classes = ctx.get(ClassService);
  const klass = await classes.create(a.admin, `essay-${Date.now()}`);
  await classes.addMember(a.admin, klass.id, a.teacher.userId, 'teacher');
  await classes.addMember(a.admin, klass.id, a.student.userId, 'student');
  expect((await projects.current(a.teacher, mine.worktree)).id).toBe(mine.id);
});

it("never resolves to another tenant's project, whatever path is given", async () => {
  const theirs = await created(b.admin, 'secret');
  await expect(projects.get(a.admin, theirs.id)).rejects.toMatchObject({ status: 404 });
  const before = (await projects.list(a.admin)).length;
  // Another tenant's worktree path is a 404: it neither reaches their project nor makes one of A's named after it.
  await expect(projects.current(a.admin, theirs.worktree)).rejects.toMatchObject({ status: 404 });
  await expect(projects.current(a.admin, path.join(theirs.worktree, 'sub', 'dir'))).rejects.toMatchObject({
    status: 404,
  });
  expect((await projects.list(a.admin)).map((p) => p.id)).not.toContain(theirs.id);
  expect((await projects.list(a.admin)).length).toBe(before);
});

it('refuses directory names that are not plain names', async () => {
  for (const bad of ['..', '.hidden', 'a b', 'x'.repeat(80), 'semi;colon']) {
    await expect(projects.current(a.student, bad)).rejects.toMatchObject({ status: 400 });
  }
});

it('lists only their own projects to students, every project of the tenant to admins', async () => {
  await created(a.student2, 'lab');
  const studentList = (await projects.list(a.student)).map((p) => p.worktree);
  expect(studentList.length).toBeGreaterThan(0);
  for (const w of studentList) expect(path.basename(w).startsWith(`${a.student.userId}--`)).toBe(true);
  const adminList = (await projects.list(a.admin)).map((p) => p.worktree);
  expect(adminList.some((w) => path.basename(w).startsWith(`${a.student2.userId}--`))).toBe(true);
});
