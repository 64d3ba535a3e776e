import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { client } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { TerminalClient } from '../pty/pty-client';
import { expectOk } from '../school/school.fixture';

// A stream lives no longer than the credential that opened it, from the attacker's side: someone signs in with a
// short-lived JWT (or an expiring API key), opens /event, /global/event and a terminal, and keeps the sockets open
// past the token's `exp`. Each must end at the expiry, with no revocation and no other event; a stream opened with
// a long-lived token at the same time stays open (the control).

jest.setTimeout(120_000);

let app: TestApp;
let school: TestTenant;
const secret = randomBytes(32).toString('hex');
const issuer = `https://lms-${randomBytes(4).toString('hex')}.example`;
const opened: { close(): void }[] = [];

/** A student's token expiring `seconds` from now. */
function token(sub: string, seconds: number): Promise<string> {
  return new SignJWT({ sub, role: 'student' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(issuer)
    .setAudience('opencode')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(secret));
}

async function open(route: string, key: string): Promise<SseClient> {
  const sse = await SseClient.open(app.url, route, { key });
  opened.push(sse);
  expect(sse.status).toBe(200);
  await sse.waitForType('server.connected');
  return sse;
}

async function terminal(key: string): Promise<TerminalClient> {
  const http = client(app.url, key);
  const pty = expectOk(await http.post('/pty', { body: {} }), 200, 'create pty') as { id: string };
  const ticket = expectOk(await http.post(`/pty/${pty.id}/connect-token`), 200, 'ticket') as { ticket: string };
  const socket = await TerminalClient.connect(app.url, pty.id, { ticket: ticket.ticket });
  opened.push(socket);
  await socket.cursor();
  return socket;
}

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'required', ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}` });
  school = await createTenant(app.url, app.adminKey);
  expectOk(
    await school.admin.http.put('/admin/jwt', { body: { issuer, audience: 'opencode', secret } }),
    200,
    'configure JWT',
  );
}, 60_000);

afterAll(async () => {
  for (const o of opened) o.close();
  await app?.close();
});

describe('streams end when the credential expires', () => {
  it('a JWT’s /event, /global/event and terminal socket close at its exp; a long-lived token’s stay open', async () => {
    const sub = `learner-${randomBytes(3).toString('hex')}`;
    // Long enough to open everything under a loaded CI machine, short enough to wait for.
    const short = await token(sub, 8);
    const long = await token(sub, 3600);
    const [event, global, pty] = [
      await open('/event', short),
      await open('/global/event', short),
      await terminal(short),
    ];
    const control = await open('/event', long);
    const controlPty = await terminal(long);
    await Promise.all([event.waitForEnd(20_000), global.waitForEnd(20_000)]);
    expect(await pty.waitClosed()).toMatchObject({ code: 1008 });
    expect(control.isEnded).toBe(false);
    expect(controlPty.closed).toBeUndefined();
    // The same token past its exp (and the 30 s clock tolerance aside) opens nothing new that outlives it.
    const late = await SseClient.open(app.url, '/event', { key: short });
    opened.push(late);
    if (late.status === 200) await late.waitForEnd();
    else expect(late.status).toBe(401);
  });

  it('an API key with an expiry ends its stream at that moment', async () => {
    const expiresAt = new Date(Date.now() + 6000).toISOString();
    const made = expectOk(
      await school.student.http.post('/admin/keys', { body: { name: 'short', expiresAt } }),
      201,
      'expiring key',
    ) as { key: string };
    const sse = await open('/event', made.key);
    const control = await open('/event', school.student.key);
    await sse.waitForEnd(20_000);
    expect(control.isEnded).toBe(false);
  });

  it('a terminal socket also closes when the key that opened it is revoked', async () => {
    const made = expectOk(await school.student.http.post('/admin/keys', { body: { name: 'pty' } }), 201, 'key') as {
      id: string;
      key: string;
    };
    const socket = await terminal(made.key);
    expectOk(await school.student.http.delete(`/admin/keys/${made.id}`), 200, 'revoke');
    expect(await socket.waitClosed()).toMatchObject({ code: 1008 });
  });
});
