import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { client } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { expectOk } from './school.fixture';

// Sign-in with the host platform's JWTs: HS256 with a per-tenant secret, or asymmetric keys from a JWKS URL.

let app: TestApp;
let school: TestTenant;
const secret = randomBytes(32).toString('hex');
const issuer = `https://lms-${randomBytes(4).toString('hex')}.example`;

function hs256(
  claims: JWTPayload,
  opts: { key?: string; iss?: string; aud?: string; exp?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? 'opencode')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(new TextEncoder().encode(opts.key ?? secret));
}

const as = (token: string) => client(app.url, token);

beforeAll(async () => {
  // The JWKS test serves keys from 127.0.0.1, which the egress guard refuses unless the platform allows it.
  app = await startTestApp({ SANDBOX: 'off', EGRESS_ALLOW: '127.0.0.1' });
  school = await createTenant(app.url, app.adminKey);
  expectOk(
    await school.admin.http.put('/admin/jwt', {
      body: {
        issuer,
        audience: 'opencode',
        secret,
        claims: { classes: 'groups', name: 'display_name' },
        roleMap: { instructor: 'teacher', learner: 'student' },
      },
    }),
    200,
    'configure JWT',
  );
});

afterAll(async () => {
  await app?.close();
});

describe('HS256 tokens', () => {
  it('provisions the user on first sight, once, with role and classes from the claims', async () => {
    const token = await hs256({
      sub: 'lms-teacher-1',
      role: 'instructor',
      groups: ['7A', '7B'],
      display_name: 'Ms Kim',
    });
    expectOk(await as(token).get('/session'), 200, 'first request');
    expectOk(
      await as(await hs256({ sub: 'lms-teacher-1', role: 'instructor', groups: ['7A', '7B'] })).get('/session'),
      200,
      'second token',
    );
    const users = expectOk(await school.admin.http.get('/admin/users'), 200, 'users') as {
      id: string;
      name: string;
      role: string;
    }[];
    const kim = users.filter((u) => u.name === 'Ms Kim');
    expect(kim).toHaveLength(1);
    expect(kim[0].role).toBe('teacher');
    const classes = expectOk(await school.admin.http.get('/admin/classes'), 200, 'classes') as {
      name: string;
      members: { userId: string; role: string }[];
    }[];
    expect(classes.map((c) => c.name).sort()).toEqual(['7A', '7B']);
    for (const c of classes) expect(c.members).toEqual([{ userId: kim[0].id, role: 'teacher' }]);
  });

  it('a JWT teacher reads a JWT student of their class, not of another; the student cannot read the teacher', async () => {
    const teacher = as(await hs256({ sub: 'lms-teacher-2', role: 'instructor', groups: ['8A'] }));
    const student = as(await hs256({ sub: 'lms-student-1', role: 'learner', groups: ['8A'] }));
    const stranger = as(await hs256({ sub: 'lms-student-2', role: 'learner', groups: ['8B'] }));
    const mine = expectOk(await student.post('/session', { body: { title: 'essay' } }), 200, 'student session').id;
    const theirs = expectOk(await stranger.post('/session', { body: { title: 'other' } }), 200, 'stranger session').id;
    const own = expectOk(
      await teacher.post('/session', { body: { title: 'teacher notes' } }),
      200,
      'teacher session',
    ).id;
    expect((await teacher.get(`/session/${mine}`)).status).toBe(200);
    expect((await teacher.get(`/session/${theirs}`)).status).toBe(404);
    expect((await student.get(`/session/${own}`)).status).toBe(404);
    expect((await teacher.patch(`/session/${mine}`, { body: { title: 'changed' } })).status).toBe(403);
  });

  it('moves a user between classes when the claims change', async () => {
    expectOk(await as(await hs256({ sub: 'lms-student-3', groups: ['9A'] })).get('/session'), 200, 'in 9A');
    expectOk(await as(await hs256({ sub: 'lms-student-3', groups: ['9B'] })).get('/session'), 200, 'in 9B');
    const classes = expectOk(await school.admin.http.get('/admin/classes'), 200, 'classes') as {
      name: string;
      members: unknown[];
    }[];
    expect(classes.find((c) => c.name === '9A')!.members).toHaveLength(0);
    expect(classes.find((c) => c.name === '9B')!.members).toHaveLength(1);
  });

  it.each([
    ['a wrong signature', () => hs256({ sub: 'x' }, { key: randomBytes(32).toString('hex') })],
    ['a wrong audience', () => hs256({ sub: 'x' }, { aud: 'someone-else' })],
    ['an unknown issuer', () => hs256({ sub: 'x' }, { iss: 'https://evil.example' })],
    ['an expired token', () => hs256({ sub: 'x' }, { exp: '-5m' })],
    ['no subject', () => hs256({})],
    ['garbage with two dots', async () => 'not.a.jwt'],
  ])('refuses %s with 401', async (_what, token) => {
    const res = await as(await token()).get('/session');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ name: 'UnauthorizedError' });
  });

  it('never shows the secret: not in the JWT settings, not in the tenant settings', async () => {
    const settings = expectOk(await school.admin.http.get('/admin/jwt'), 200, 'settings');
    expect(settings).toMatchObject({
      enabled: true,
      issuer,
      audience: 'opencode',
      hasSecret: true,
      roleMap: { instructor: 'teacher' },
    });
    const student = as(await hs256({ sub: 'lms-student-9' }));
    const tenant = await student.get('/admin/tenants/current');
    expect(JSON.stringify(settings)).not.toContain(secret);
    expect(tenant.text).not.toContain(secret);
  });

  it('validates the settings: a secret or a JWKS URL, roles from the list, one tenant per issuer', async () => {
    const other = await createTenant(app.url, app.adminKey);
    expect((await other.admin.http.put('/admin/jwt', { body: { issuer: 'https://x.example' } })).status).toBe(400);
    expect(
      (await other.admin.http.put('/admin/jwt', { body: { issuer: 'https://x.example', secret: 'short' } })).status,
    ).toBe(400);
    expect(
      (
        await other.admin.http.put('/admin/jwt', {
          body: { issuer: 'https://x.example', secret, roleMap: { boss: 'owner' } },
        })
      ).status,
    ).toBe(400);
    expect((await other.admin.http.put('/admin/jwt', { body: { issuer, secret } })).status).toBe(409);
  });
});

describe('JWKS', () => {
  it('verifies RS256 tokens against the platform’s published keys', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const rogue = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const tenant = await createTenant(app.url, app.adminKey);
      const iss = `https://sso-${randomBytes(4).toString('hex')}.example`;
      expectOk(await tenant.admin.http.put('/admin/jwt', { body: { issuer: iss, jwksUrl } }), 200, 'configure JWKS');
      const sign = (key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']) =>
        new SignJWT({ role: 'student' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(iss)
          .setSubject('sso-1')
          .setExpirationTime('5m')
          .sign(key);
      expectOk(await as(await sign(privateKey)).get('/session'), 200, 'signed by the platform');
      expect((await as(await sign(rogue.privateKey)).get('/session')).status).toBe(401);
    } finally {
      server.close();
    }
  });
});
