import { startFakeMcpHttpServer, testBaseEnv, type FakeMcpHttpServer } from '../../../../test/fakes/mcp';
import { McpClientPool } from '../mcp-client.pool';
import { McpOAuthStateError, McpUnsupportedOAuthError } from '../mcp.errors';
import type { McpKey } from '../mcp.types';
import { InMemoryMcpOAuthStore } from './mcp-oauth.store';
import { oauthRef } from './mcp-oauth.manager';

const REDIRECT = 'http://127.0.0.1:9/mcp/oauth/callback';
const key: McpKey = { tenantId: 'ten_o', projectId: 'prj_o' };
const allow = () => ({ abort: new AbortController().signal, ask: async () => undefined });

/** Plays the user's browser: follows the authorization URL and returns the callback's query. */
async function approve(authorizationUrl: string): Promise<{ code: string; state: string | null }> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return { code: location.searchParams.get('code')!, state: location.searchParams.get('state') };
}

describe('OAuth for remote MCP servers', () => {
  let server: FakeMcpHttpServer;
  let noRegistration: FakeMcpHttpServer;
  let store: InMemoryMcpOAuthStore;
  let pool: McpClientPool;

  beforeAll(async () => {
    [server, noRegistration] = await Promise.all([
      startFakeMcpHttpServer({ oauth: {} }),
      startFakeMcpHttpServer({
        oauth: {
          disableRegistration: true,
          preregistered: [{ client_id: 'school-app', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }],
        },
      }),
    ]);
  });

  beforeEach(() => {
    store = new InMemoryMcpOAuthStore();
    pool = new McpClientPool({
      baseEnv: testBaseEnv(),
      timeoutMs: 5000,
      oauth: { store, redirectUrl: REDIRECT, clientName: 'school' },
    });
  });

  afterEach(() => pool.closeAll());
  afterAll(() => Promise.all([server.close(), noRegistration.close()]));

  it('runs the whole flow: needs_auth, registration, authorization URL, code exchange, connected', async () => {
    expect(await pool.connect(key, 'secure', { type: 'remote', url: server.url })).toEqual({ status: 'needs_auth' });
    expect(await pool.authStatus(key, 'secure')).toBe('not_authenticated');

    const { authorizationUrl, oauthState } = await pool.startAuth(key, 'secure');
    expect(oauthState).toMatch(/^[0-9a-f]{64}$/);
    const url = new URL(authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${server.origin}/authorize`);
    expect(url.searchParams.get('state')).toBe(oauthState);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(server.oauth!.registrations).toBeGreaterThanOrEqual(1);

    const { code, state } = await approve(authorizationUrl);
    expect(state).toBe(oauthState);
    await expect(pool.finishAuth(key, 'secure', code, 'not-the-state')).rejects.toBeInstanceOf(McpOAuthStateError);
    expect(await pool.finishAuth(key, 'secure', code, state!)).toEqual({ status: 'connected' });
    expect(await pool.authStatus(key, 'secure')).toBe('authenticated');

    const echo = (await pool.tools(key)).find((tool) => tool.id === 'secure_echo')!;
    expect((await echo.execute({ text: 'authorized' }, allow())).output).toBe('authorized');

    const record = await store.load(oauthRef(key, 'secure'));
    expect(record).toMatchObject({
      serverUrl: server.url,
      tokens: { token_type: 'Bearer', access_token: expect.any(String) },
    });
    expect(record!.tokens!.expiresAt).toBeGreaterThan(Date.now());
    expect(record!.codeVerifier).toBeUndefined();

    // A finished flow cannot be replayed.
    await expect(pool.finishAuth(key, 'secure', code, state!)).rejects.toBeInstanceOf(McpOAuthStateError);
  });

  it('refreshes revoked access tokens, reports expiry, and forgets tokens on removeAuth', async () => {
    await pool.connect(key, 'secure', { type: 'remote', url: server.url });
    const { authorizationUrl } = await pool.startAuth(key, 'secure');
    await pool.finishAuth(key, 'secure', (await approve(authorizationUrl)).code);

    server.oauth!.revokeAll();
    const refreshesBefore = server.oauth!.refreshes;
    expect(await pool.connect(key, 'secure', { type: 'remote', url: server.url })).toEqual({ status: 'connected' });
    // At least one refresh (closing the old session with the revoked token may cause a second one).
    expect(server.oauth!.refreshes).toBeGreaterThan(refreshesBefore);
    const echo = (await pool.tools(key)).find((tool) => tool.id === 'secure_echo')!;
    expect((await echo.execute({ text: 'refreshed' }, allow())).output).toBe('refreshed');

    const later = new McpClientPool({
      baseEnv: testBaseEnv(),
      oauth: { store, redirectUrl: REDIRECT, now: () => Date.now() + 2 * 3600_000 },
    });
    await later.connect(key, 'secure', { type: 'remote', url: server.url, enabled: false });
    expect(await later.authStatus(key, 'secure')).toBe('expired');
    await later.closeAll();

    const clientBefore = (await store.load(oauthRef(key, 'secure')))!.clientInformation!.client_id;
    expect(await pool.removeAuth(key, 'secure')).toEqual({ status: 'needs_auth' });
    // The reconnect that found out about needs_auth registered a fresh client; the old tokens are gone.
    const after = await store.load(oauthRef(key, 'secure'));
    expect(after?.tokens).toBeUndefined();
    expect(after?.clientInformation?.client_id).not.toBe(clientBefore);
    expect(await pool.authStatus(key, 'secure')).toBe('not_authenticated');
  });

  it('keeps tokens per user when the key names one', async () => {
    const alice: McpKey = { ...key, userId: 'usr_alice' };
    const bob: McpKey = { ...key, userId: 'usr_bob' };
    await pool.connect(alice, 'secure', { type: 'remote', url: server.url });
    const { authorizationUrl } = await pool.startAuth(alice, 'secure');
    expect(await pool.finishAuth(alice, 'secure', (await approve(authorizationUrl)).code)).toEqual({
      status: 'connected',
    });
    expect(await pool.connect(bob, 'secure', { type: 'remote', url: server.url })).toEqual({ status: 'needs_auth' });
    expect(await pool.authStatus(bob, 'secure')).toBe('not_authenticated');
  });

  it('asks for a client id when the server cannot register clients, and uses a configured one', async () => {
    const status = await pool.connect(key, 'closed', { type: 'remote', url: noRegistration.url });
    expect(status.status).toBe('needs_client_registration');
    expect(status.status === 'needs_client_registration' && status.error).toMatch(/registration/i);

    await pool.connect(key, 'closed', { type: 'remote', url: noRegistration.url, oauth: { clientId: 'school-app' } });
    const { authorizationUrl } = await pool.startAuth(key, 'closed');
    expect(new URL(authorizationUrl).searchParams.get('client_id')).toBe('school-app');
    expect(await pool.finishAuth(key, 'closed', (await approve(authorizationUrl)).code)).toEqual({
      status: 'connected',
    });
    expect(noRegistration.oauth!.registrations).toBe(0);
  });

  it('reports needs_auth for a 401 even when the pool has no OAuth settings', async () => {
    const bare = new McpClientPool({ baseEnv: testBaseEnv() });
    expect(await bare.connect(key, 'secure', { type: 'remote', url: server.url })).toEqual({ status: 'needs_auth' });
    await expect(bare.startAuth(key, 'secure')).rejects.toBeInstanceOf(McpUnsupportedOAuthError);
    await bare.closeAll();
  });

  it('refuses OAuth for local servers and for oauth:false, where a 401 is a plain failure', async () => {
    const status = await pool.connect(key, 'plain', { type: 'remote', url: server.url, oauth: false });
    expect(status.status).toBe('failed');
    await expect(pool.startAuth(key, 'plain')).rejects.toBeInstanceOf(McpUnsupportedOAuthError);
    await pool.connect(key, 'local', { type: 'local', command: [process.execPath, '-e', ''], enabled: false });
    await expect(pool.startAuth(key, 'local')).rejects.toBeInstanceOf(McpUnsupportedOAuthError);
  });
});
