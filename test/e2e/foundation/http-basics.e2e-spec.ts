import http from 'node:http';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Health, Swagger, authentication forms, unknown routes.

let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  school = await createTenant(app.url, app.adminKey);
});

afterAll(() => app?.close());

describe('health and docs', () => {
  it('answers /global/health without a key, in OpenCode shape', async () => {
    const res = await request(app.url, 'GET', '/global/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ healthy: true, version: expect.any(String) });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('reports readiness of Postgres and the queue backend', async () => {
    const res = await request(app.url, 'GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ready: true, database: 'ok', queue: 'ok', events: 'ok' });
    expect(res.body.queueBackend).toBe(process.env.REDIS_URL ? 'redis' : 'postgres');
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /doc', async () => {
    const ui = await request(app.url, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(ui.text).toContain('swagger-ui');

    const doc = await request(app.url, 'GET', '/doc');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      basic: { type: 'http', scheme: 'basic' },
    });
    for (const p of [
      '/global/health',
      '/event',
      '/global/event',
      '/project',
      '/project/current',
      '/path',
      '/admin/tenants',
      '/admin/users',
      '/admin/keys',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
    // Jest runs the sources without the Swagger CLI plugin, so DTO property schemas are checked against the
    // built app (multi-process spec); here the operation must at least point at its DTO and security.
    const create = doc.body.paths['/admin/tenants'].post;
    expect(JSON.stringify(create.requestBody)).toContain('CreateTenantDto');
    expect(create.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
  });

  it('runs a health job through the queue and a worker', async () => {
    const res = await client(app.url, app.adminKey).post('/admin/jobs/health');
    expect(res.status).toBe(201);
    // Workers run inside this test app, which lives in the jest process.
    expect(res.body).toEqual({
      jobId: expect.stringMatching(/^health-/),
      workerPid: process.pid,
      ms: expect.any(Number),
    });
  });

  it('refuses the health job to a tenant admin who is not a platform admin', async () => {
    const res = await school.admin.http.post('/admin/jobs/health');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ name: 'ForbiddenError', data: { message: expect.any(String) } });
  });
});

describe('connections', () => {
  it('keeps an idle keep-alive connection 65 s and says so, so a client never sends on one the server is closing', async () => {
    // Node's default (5 s) lost the race against a test client's own 3 s idle check when its event loop lagged
    // under load: the next request on the reused connection failed with ECONNRESET.
    const agent = new http.Agent({ keepAlive: true });
    try {
      const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
        http
          .get(`${app.url}/global/health`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers));
          })
          .on('error', reject);
      });
      expect(headers.connection).toBe('keep-alive');
      expect(headers['keep-alive']).toBe('timeout=65');
    } finally {
      agent.destroy();
    }
  });
});

describe('authentication', () => {
  it('answers 401 in OpenCode error shape without a key', async () => {
    const res = await request(app.url, 'GET', '/project');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      name: 'UnauthorizedError',
      data: { message: expect.any(String), code: 'unauthorized', requestId: expect.any(String) },
    });
    expect(res.body.data.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers 401 for an unknown, a malformed and an empty key', async () => {
    for (const authorization of [
      'Bearer oc_notakey',
      'Bearer',
      'Basic !!!',
      'Token abc',
      `Bearer ${school.admin.key}x`,
    ]) {
      const res = await request(app.url, 'GET', '/project', { headers: { authorization } });
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
    }
  });

  it('accepts Bearer and Basic with the key as password (any user name) everywhere', async () => {
    const key = school.student.key;
    const basic = (user: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
    for (const authorization of [`Bearer ${key}`, basic('opencode'), basic('')]) {
      const res = await request(app.url, 'GET', '/admin/tenants/current', { headers: { authorization } });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(school.id);
    }
  });

  it('accepts ?auth_token= on the event streams only (a key in a URL lands in logs and history)', async () => {
    const key = school.student.key;
    const tokens = [Buffer.from(`opencode:${key}`).toString('base64'), Buffer.from(key).toString('base64')];
    for (const auth_token of tokens) {
      for (const route of ['/event', '/global/event']) {
        const sse = await SseClient.open(app.url, route, { query: { auth_token } });
        try {
          expect({ route, status: sse.status }).toEqual({ route, status: 200 });
          await sse.waitForType('server.connected', 10_000);
        } finally {
          sse.close();
        }
      }
      // The same key in the query of any other route is refused, with a message saying where it belongs.
      for (const route of ['/admin/tenants/current', '/session', '/config', '/admin/keys']) {
        const res = await request(app.url, 'GET', route, { query: { auth_token } });
        expect({ route, status: res.status }).toEqual({ route, status: 401 });
        expect(res.body).toMatchObject({
          name: 'UnauthorizedError',
          data: { message: expect.stringContaining('event streams only') },
        });
      }
      const created = await request(app.url, 'POST', '/session', { query: { auth_token }, body: {} });
      expect(created.status).toBe(401);
    }
  });

  it('lets the key of a student reach the routes any role may use and refuses admin routes with 403', async () => {
    expect((await school.student.http.get('/project')).status).toBe(200);
    const users = await school.student.http.get('/admin/users');
    expect(users.status).toBe(403);
    expect(users.body).toMatchObject({ name: 'ForbiddenError', data: { message: expect.stringContaining('admin') } });
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/no/such/route'],
    ['POST', '/admin/nothing'],
    ['DELETE', '/global/health/extra'],
  ])('%s %s answers 404 JSON', async (method, route) => {
    const res = await request(app.url, method, route, { key: school.admin.key });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body).toMatchObject({ name: 'NotFoundError', data: { message: expect.any(String) } });
  });

  it('answers 404 JSON for an unknown route even without a key', async () => {
    const res = await request(app.url, 'GET', '/definitely-not-here');
    expect([401, 404]).toContain(res.status);
    expect(res.body).toMatchObject({ name: expect.any(String), data: { message: expect.any(String) } });
  });
});
