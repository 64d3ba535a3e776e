import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Bull Board at /admin/queues: an express router outside Nest's guard, open to platform administrators only.

let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const get = (path: string, key?: string) =>
  fetch(`${app.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('queue dashboard', () => {
  it('refuses callers without a key (401 with a Basic challenge) and tenant admins (403)', async () => {
    const anonymous = await get('/admin/queues/api/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await anonymous.json()).toMatchObject({ name: 'UnauthorizedError' });
    const tenantAdmin = await get('/admin/queues/api/queues', school.admin.key);
    expect(tenantAdmin.status).toBe(403);
    expect(await tenantAdmin.json()).toMatchObject({ name: 'ForbiddenError' });
  });

  it('lists the catalogue queues for a platform admin, with Bearer or Basic auth, and serves the UI', async () => {
    const res = await get('/admin/queues/api/queues', app.adminKey);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['maintenance', 'session']);
    const basic = await fetch(`${app.url}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${app.adminKey}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    const ui = await get('/admin/queues', app.adminKey);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
  });
});
