import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { Client as PgClient } from 'pg';
import { JwtSecretService } from '../../../src/modules/auth/jwt/jwt-secret.service';
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
  opts: { key?: string; iss?: string; aud?: string | null; exp?: string | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? issuer)
    .setIssuedAt();
  if (opts.aud !== null) jwt.setAudience(opts.aud ?? 'opencode');
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '10m');
  return jwt.sign(new TextEncoder().encode(opts.key ?? secret));
}

const as = (token: string) => client(app.url, token);

beforeAll(async () => {
  // The JWKS test serves keys from 127.0.0.1, which the egress guard refuses unless the platform allows it.
  app = await startTestApp({
    SANDBOX: 'off',
    EGRESS_ALLOW: '127.0.0.1',
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
  });
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
    ['a token without exp (valid forever)', () => hs256({ sub: 'x' }, { exp: null })],
    ['a token without an audience', () => hs256({ sub: 'x' }, { aud: null })],
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
    const audience = 'opencode';
    expect((await other.admin.http.put('/admin/jwt', { body: { issuer: 'https://x.example', audience } })).status).toBe(
      400,
    );
    // An audience is required: without one, any token the issuer mints for any service would sign in here.
    const noAudience = await other.admin.http.put('/admin/jwt', { body: { issuer: 'https://x.example', secret } });
    expect(noAudience.status).toBe(400);
    expect(noAudience.body.data.message).toContain('audience');
    expect(
      (await other.admin.http.put('/admin/jwt', { body: { issuer: 'https://x.example', audience, secret: 'short' } }))
        .status,
    ).toBe(400);
    expect(
      (
        await other.admin.http.put('/admin/jwt', {
          body: { issuer: 'https://x.example', audience, secret, roleMap: { boss: 'owner' } },
        })
      ).status,
    ).toBe(400);
    expect((await other.admin.http.put('/admin/jwt', { body: { issuer, audience, secret } })).status).toBe(409);
  });
});

describe('hardening (issue 21 item 8)', () => {
  async function settingRow(tenantId: string): Promise<unknown> {
    const pg = new PgClient({ connectionString: app.config.databaseUrl });
    await pg.connect();
    try {
      const r = await pg.query(`SELECT value FROM "Setting" WHERE "tenantId" = $1 AND key = 'jwt.secret'`, [tenantId]);
      return r.rows[0]?.value;
    } finally {
      await pg.end();
    }
  }

  it('the HS256 secret is sealed at rest, bound to its school', async () => {
    const stored = await settingRow(school.id);
    expect(stored).toEqual({ sealed: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('a secret stored in clear by an earlier version is not used, and is sealed at the next boot', async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    const iss = `https://old-${randomBytes(4).toString('hex')}.example`;
    const key = randomBytes(32).toString('hex');
    expectOk(
      await tenant.admin.http.put('/admin/jwt', { body: { issuer: iss, audience: 'opencode', secret: key } }),
      200,
      'configure',
    );
    const pg = new PgClient({ connectionString: app.config.databaseUrl });
    await pg.connect();
    try {
      await pg.query(`UPDATE "Setting" SET value = to_jsonb($2::text) WHERE "tenantId" = $1 AND key = 'jwt.secret'`, [
        tenant.id,
        key,
      ]);
    } finally {
      await pg.end();
    }
    const token = (jti: string) => hs256({ sub: 'old-1', jti }, { iss, key });
    expect((await as(await token('a')).get('/session')).status).toBe(401);
    await app.running.app.get(JwtSecretService, { strict: false }).onApplicationBootstrap();
    const stored = await settingRow(tenant.id);
    expect(stored).toEqual({ sealed: expect.stringMatching(/^v1\./) });
    expectOk(await as(await token('b')).get('/session'), 200, 'signed in with the sealed secret');
  });

  it('two schools claiming one issuer at the same moment: one wins, the other gets 409', async () => {
    const [a, b] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
    const iss = `https://race-${randomBytes(4).toString('hex')}.example`;
    const body = { issuer: iss, audience: 'opencode', secret };
    const statuses = (await Promise.all([a, b, a, b].map((t) => t.admin.http.put('/admin/jwt', { body })))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const owners = await Promise.all(
      [a, b].map(async (t) => (expectOk(await t.admin.http.get('/admin/jwt'), 200, 'settings') as any).issuer),
    );
    expect(owners.filter((o) => o === iss)).toHaveLength(1);
  });

  it.each(['anonymise', 'delete'] as const)(
    'a deleted JWT user (policy %s) is refused with 403 account_deleted, not re-created by their next token',
    async (policy) => {
      const tenant = await createTenant(app.url, app.adminKey);
      const iss = `https://del-${randomBytes(4).toString('hex')}.example`;
      expectOk(
        await tenant.admin.http.put('/admin/jwt', { body: { issuer: iss, audience: 'opencode', secret } }),
        200,
        'configure',
      );
      expectOk(
        await tenant.admin.http.patch('/admin/tenants/current', { body: { settings: { userDeletion: policy } } }),
        200,
        'policy',
      );
      const token = (jti: string) => hs256({ sub: 'leaver-1', name: 'Leaver', jti }, { iss });
      const first = await token('1');
      expectOk(await as(first).get('/session'), 200, 'first sign-in');
      const users = async () =>
        (expectOk(await tenant.admin.http.get('/admin/users'), 200, 'users') as { id: string; name: string }[]).filter(
          (u) => u.name === 'Leaver',
        );
      const [leaver] = await users();
      expectOk(await tenant.admin.http.delete(`/admin/users/${leaver.id}`), 200, 'delete');
      for (const t of [first, await token('2')]) {
        const res = await as(t).get('/session');
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'account_deleted' } });
      }
      expect(await users()).toEqual([]);
    },
  );
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
      expectOk(
        await tenant.admin.http.put('/admin/jwt', { body: { issuer: iss, audience: 'opencode', jwksUrl } }),
        200,
        'configure JWKS',
      );
      const sign = (key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']) =>
        new SignJWT({ role: 'student' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(iss)
          .setAudience('opencode')
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
