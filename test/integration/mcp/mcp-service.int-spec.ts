import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { ConfigRepository } from '../../../src/modules/config/config.repository';
import { ConfigService } from '../../../src/modules/config/config.service';
import { EventBus } from '../../../src/modules/event/event.bus';
import { EventType, type EventEnvelope } from '../../../src/modules/event/event.types';
import { McpRepository } from '../../../src/modules/mcp/mcp.repository';
import { cipherFromConfig } from '../../../src/core/crypto/credential-cipher';
import { PrismaMcpOAuthStore } from '../../../src/modules/mcp/mcp-oauth.prisma-store';
import { McpService } from '../../../src/modules/mcp/mcp.service';
import { ProjectService } from '../../../src/modules/project/project.service';
import { EXTRA_TOOL_SOURCES, type ExtraToolSource } from '../../../src/modules/session/session-extension.port';
import type { SessionRow } from '../../../src/modules/session/session.repository';
import type { RegisteredTool } from '../../../src/modules/tool/tool.registry';
import type { ToolContext } from '../../../src/modules/tool/tool.types';
import type { PermissionAsk } from '../../../src/modules/permission/permission.types';
import {
  everythingServerCommand,
  misbehavingServerCommand,
  startFakeMcpHttpServer,
  type FakeMcpHttpServer,
} from '../../fakes/mcp';
import { createTestContext, type TestContext } from '../../utils/test-context';
import { waitForItem, waitUntil } from '../../utils/wait-until';

// McpService against real servers: the reference "everything" server and a misbehaving one over stdio, a
// Streamable-HTTP server (with and without OAuth) on loopback, on a real database. Sandbox off (the servers'
// files live in node_modules, which bubblewrap does not mount); the allow-list is checked before spawning.

const ENCRYPTION_KEYS = `1:${randomBytes(32).toString('base64')}`;

let ctx: TestContext;
let mcp: McpService;
let projects: ProjectService;
let pg: Client;
let remote: FakeMcpHttpServer;
let oauthRemote: FakeMcpHttpServer;
const events: EventEnvelope[] = [];

/** A tenant and its admin, written straight to the database (the tenant module is not under test here). */
async function school(slug: string): Promise<AuthContext> {
  const suffix = randomBytes(4).toString('hex');
  const tenantId = `ten_${suffix}`;
  const userId = `usr_${suffix}`;
  await pg.query(`INSERT INTO "Tenant" (id, slug, name, "updatedAt") VALUES ($1, $2, $3, now())`, [
    tenantId,
    `${slug}-${suffix}`,
    slug,
  ]);
  await pg.query(
    `INSERT INTO "User" (id, "tenantId", name, role, "updatedAt") VALUES ($1, $2, 'Admin', 'admin', now())`,
    [userId, tenantId],
  );
  return { tenantId, userId, role: 'admin', platformAdmin: false };
}

async function sessionIn(auth: AuthContext, directory: string): Promise<SessionRow> {
  const project = await projects.resolve(auth, directory);
  return {
    id: `ses_${randomBytes(4).toString('hex')}`,
    tenantId: auth.tenantId,
    projectId: project.id,
    directory: projects.worktree(project),
  } as SessionRow;
}

function toolContext(auth: AuthContext): { asks: PermissionAsk[]; ctx: ToolContext } {
  const asks: PermissionAsk[] = [];
  const context = {
    auth,
    abort: new AbortController().signal,
    ask: async (request: PermissionAsk) => void asks.push(request),
  } as unknown as ToolContext;
  return { asks, ctx: context };
}

function byId(tools: RegisteredTool[], id: string): RegisteredTool {
  const tool = tools.find((t) => t.id === id);
  if (!tool) throw new Error(`no tool ${id}; have ${tools.map((t) => t.id).join(', ')}`);
  return tool;
}

beforeAll(async () => {
  [remote, oauthRemote] = await Promise.all([startFakeMcpHttpServer(), startFakeMcpHttpServer({ oauth: {} })]);
  ctx = await createTestContext(domainModules(), {
    SANDBOX: 'off',
    ENCRYPTION_KEYS,
    PUBLIC_URL: 'http://api.school.test',
    // The fakes listen on loopback: allowed by the platform, port by port.
    EGRESS_ALLOW: [remote, oauthRemote].map((server) => new URL(server.url).host).join(','),
  });
  mcp = ctx.get(McpService);
  projects = ctx.get(ProjectService);
  ctx.get(EventBus).subscribe(
    (e) => e.event.type === 'mcp.tools.changed',
    (e) => void events.push(e),
  );
  pg = new Client({ connectionString: ctx.database.url });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await ctx?.close();
  await remote?.close();
  await oauthRemote?.close();
});

it('contributes to the extra tools of every step, and serves <server>_<tool> tools that ask permission then call the server', async () => {
  const auth = await school('tools');
  await ctx.get(ConfigRepository).put(auth.tenantId, 'tenant', {
    mcp: { everything: { type: 'local', command: everythingServerCommand(), timeout: 20_000 } },
  });
  ctx.get(ConfigService).invalidate();
  const session = await sessionIn(auth, 'default');
  // What the TurnContext does each step: ask every extra-tool source (the composition root lists MCP among them).
  const sources = ctx.get<readonly ExtraToolSource[]>(EXTRA_TOOL_SOURCES);
  expect(sources).toContain(mcp);
  const tools = (
    await Promise.all(
      sources.map((source) => source.toolsFor({ auth, session, agent: 'build', permission: { base: [], layers: [] } })),
    )
  ).flat();
  const echo = byId(tools, 'everything_echo');
  expect(echo.inputSchema).toMatchObject({ type: 'object', properties: { message: expect.any(Object) } });
  const { asks, ctx: toolCtx } = toolContext(auth);
  const result = await echo.execute({ message: 'from the service' }, toolCtx);
  expect(result.output).toBe('Echo: from the service');
  expect(asks).toEqual([expect.objectContaining({ permission: 'everything_echo', patterns: ['*'] })]);
  expect(await mcp.status(auth)).toEqual({ everything: { status: 'connected' } });

  // Disconnected: disabled, no tools, and the next sync does not bring it back; connect does.
  await mcp.disconnect(auth, undefined, 'everything');
  expect(await mcp.status(auth)).toEqual({ everything: { status: 'disabled' } });
  expect(await mcp.toolsForSession(auth, session)).toEqual([]);
  expect(await mcp.connect(auth, undefined, 'everything')).toEqual({ status: 'connected' });
  expect((await mcp.toolsForSession(auth, session)).map((t) => t.id)).toContain('everything_echo');
});

it('layers config and rows: tenant-wide rows, project rows winning, a project toggle switching a row off', async () => {
  const auth = await school('layers');
  const repo = ctx.get(McpRepository);
  const lab = await projects.resolve(auth, 'lab');
  await repo.putConfig(auth.tenantId, null, 'shared', { type: 'remote', url: remote.url });
  await repo.putConfig(auth.tenantId, null, 'dual', { type: 'local', command: misbehavingServerCommand('crash') });
  await repo.putConfig(auth.tenantId, lab.id, 'dual', { type: 'local', command: misbehavingServerCommand('serve') });
  await ctx.get(ConfigRepository).put(auth.tenantId, `project:${lab.id}`, { mcp: { shared: { enabled: false } } });
  ctx.get(ConfigService).invalidate();

  // The default project sees the tenant-wide rows only.
  const plain = await mcp.status(auth);
  expect(plain.shared).toEqual({ status: 'connected' });
  expect(plain.dual.status).toBe('failed');
  // The lab's own row replaces the tenant's `dual`; its config switches `shared` off.
  expect(await mcp.status(auth, 'lab')).toEqual({ shared: { status: 'disabled' }, dual: { status: 'connected' } });
  const tools = await mcp.toolsForSession(auth, await sessionIn(auth, 'lab'));
  expect(tools.map((t) => t.id)).toEqual(expect.arrayContaining(['dual_echo', 'dual_env']));
  expect(tools.some((t) => t.id.startsWith('shared_'))).toBe(false);
  // A row another process changed is picked up on the next use, without a restart: its add announces
  // `mcp.tools.changed` on the bus, which drops every process's copy of the project's rows.
  await repo.putConfig(auth.tenantId, lab.id, 'dual', { type: 'local', command: misbehavingServerCommand('crash') });
  const bus = ctx.get(EventBus);
  const heard = bus.waitFor((e) => e.event.type === EventType.McpToolsChanged && e.projectId === lab.id, 10_000);
  bus.publish({ tenantId: auth.tenantId, projectId: lab.id, type: EventType.McpToolsChanged, properties: {} });
  expect(await heard).toBeDefined();
  expect((await mcp.status(auth, 'lab')).dual.status).toBe('failed');
});

it('gives local servers PATH and HOME but none of the API environment', async () => {
  const auth = await school('env');
  await ctx.get(McpRepository).putConfig(auth.tenantId, null, 'probe', {
    type: 'local',
    command: misbehavingServerCommand('serve'),
    environment: { GREETING: 'hi' },
  });
  const tools = await mcp.toolsForSession(auth, await sessionIn(auth, 'default'));
  const result = await byId(tools, 'probe_env').execute({}, toolContext(auth).ctx);
  const env = JSON.parse(result.output) as Record<string, string>;
  expect(env.PATH).toContain('/usr/bin');
  expect(env.GREETING).toBe('hi');
  expect(env.HOME).toBeDefined();
  for (const leaked of ['DATABASE_URL', 'ENCRYPTION_KEYS', 'BOOTSTRAP_API_KEY', 'REDIS_URL'])
    expect(env[leaked]).toBeUndefined();
  expect(JSON.stringify(env)).not.toContain(ENCRYPTION_KEYS.split(':')[1]);
});

it("enforces the school's allow-list of MCP commands (Tenant.settings.mcpCommands)", async () => {
  const auth = await school('allow');
  await pg.query(`UPDATE "Tenant" SET settings = $1 WHERE id = $2`, [
    JSON.stringify({ mcpCommands: ['/usr/bin/python3'] }),
    auth.tenantId,
  ]);
  await ctx
    .get(McpRepository)
    .putConfig(auth.tenantId, null, 'node-server', { type: 'local', command: misbehavingServerCommand('serve') });
  const refused = (await mcp.status(auth))['node-server'];
  expect(refused).toMatchObject({
    status: 'failed',
    error: expect.stringMatching(/not in this school's allowed MCP commands/),
  });

  await pg.query(`UPDATE "Tenant" SET settings = $1 WHERE id = $2`, [
    JSON.stringify({ mcpCommands: [process.execPath] }),
    auth.tenantId,
  ]);
  expect(await mcp.connect(auth, undefined, 'node-server')).toEqual({ status: 'connected' });
});

it('talks Streamable HTTP to a loopback server and publishes mcp.tools.changed when its list changes', async () => {
  const auth = await school('http');
  const lab = await projects.resolve(auth, 'lab');
  await ctx
    .get(McpRepository)
    .putConfig(auth.tenantId, lab.id, 'remote', { type: 'remote', url: remote.url, headers: { 'x-school': 'yes' } });
  expect(await mcp.status(auth, 'lab')).toEqual({ remote: { status: 'connected' } });
  expect(remote.lastHeaders()['x-school']).toBe('yes');
  const session = await sessionIn(auth, 'lab');
  const before = (await mcp.toolsForSession(auth, session)).map((t) => t.id);
  expect(before.length).toBeGreaterThan(0);

  // The change notification travels on the client's standalone stream, which the client opens after initialize
  // on its own schedule: a tool added before that stream is open is announced to nobody (the server keeps no
  // event store). Wait for the stream, then change the list.
  await waitUntil(
    'this client to open its MCP notification stream',
    () => remote.openStreams((h) => h['x-school'] === 'yes'),
    (n) => n > 0,
  );
  const name = `late_${randomBytes(2).toString('hex')}`;
  remote.addTool(name);
  const seen = await waitForItem('mcp.tools.changed for this school', events, (e) => e.tenantId === auth.tenantId);
  expect(seen).toMatchObject({
    tenantId: auth.tenantId,
    projectId: lab.id,
    event: { type: 'mcp.tools.changed', properties: { server: 'remote' } },
  });
  const after = (await mcp.toolsForSession(auth, session)).map((t) => t.id);
  expect(after).toContain(`remote_${name}`);
});

it('runs OAuth for a remote server: needs_auth, authorize, callback, connected; tokens sealed in McpServer.oauth', async () => {
  const auth = await school('oauth');
  await ctx.get(McpRepository).putConfig(auth.tenantId, null, 'secure', { type: 'remote', url: oauthRemote.url });
  expect((await mcp.status(auth)).secure).toEqual({ status: 'needs_auth' });

  const started = await mcp.startAuth(auth, undefined, 'secure');
  expect(started.oauthState).toMatch(/^[0-9a-f]{64}$/);
  const authorizationUrl = new URL(started.authorizationUrl);
  expect(authorizationUrl.searchParams.get('redirect_uri')).toBe('http://api.school.test/mcp/oauth/callback');
  // The fake authorization server approves at once and redirects back with the code.
  const approved = await fetch(authorizationUrl, { redirect: 'manual' });
  const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
  await expect(mcp.finishAuth(auth, undefined, 'secure', code, 'forged-state')).rejects.toMatchObject({ status: 400 });
  expect(await mcp.finishAuth(auth, undefined, 'secure', code, started.oauthState)).toEqual({ status: 'connected' });
  const tools = await mcp.toolsForSession(auth, await sessionIn(auth, 'default'));
  expect(tools.some((t) => t.id.startsWith('secure_'))).toBe(true);

  const { rows } = await pg.query(`SELECT oauth FROM "McpServer" WHERE "tenantId" = $1 AND name = 'secure'`, [
    auth.tenantId,
  ]);
  const column = rows[0].oauth;
  expect(column.v).toBe(1);
  expect(Object.keys(column.owners)).toEqual(['*']);
  expect(column.owners['*']).toMatch(/^v1\./);
  const sealedStore = new PrismaMcpOAuthStore(ctx.get(McpRepository), cipherFromConfig(ctx.config));
  const record = await sealedStore.load({ tenantId: auth.tenantId, serverName: 'secure' });
  expect(oauthRemote.oauth!.accessTokens.has(record!.tokens!.access_token)).toBe(true);
  const issued = [...oauthRemote.oauth!.accessTokens.keys(), ...oauthRemote.oauth!.refreshTokens.keys()];
  expect(issued.length).toBeGreaterThan(0);
  for (const token of issued) expect(JSON.stringify(column)).not.toContain(token);
  expect(JSON.stringify(column)).not.toMatch(/access_token|refresh_token|code_verifier/);

  // Copied into another school's row, the sealed record does not open (the AAD names tenant and server): that
  // school just has no tokens.
  const other = await school('oauth-other');
  await pg.query(
    `INSERT INTO "McpServer" (id, "tenantId", "projectId", name, config, oauth, "updatedAt") VALUES ($1, $2, NULL, 'secure', $3, $4, now())`,
    [
      `mcp_${randomBytes(6).toString('hex')}`,
      other.tenantId,
      JSON.stringify({ type: 'remote', url: oauthRemote.url }),
      JSON.stringify(column),
    ],
  );
  expect((await mcp.status(other)).secure).toEqual({ status: 'needs_auth' });

  expect(await mcp.removeAuth(auth, undefined, 'secure')).toEqual({ success: true });
  expect((await mcp.status(auth)).secure).toEqual({ status: 'needs_auth' });
  // The reconnect may register a fresh client, but no tokens survive.
  const store = new PrismaMcpOAuthStore(ctx.get(McpRepository), cipherFromConfig(ctx.config));
  expect((await store.load({ tenantId: auth.tenantId, serverName: 'secure' }))?.tokens).toBeUndefined();
});

it('keeps schools apart: one school cannot reach a server of another by name', async () => {
  const a = await school('iso-a');
  const b = await school('iso-b');
  await ctx.get(McpRepository).putConfig(a.tenantId, null, 'only-a', { type: 'remote', url: remote.url });
  expect((await mcp.status(a))['only-a']).toEqual({ status: 'connected' });
  expect(await mcp.status(b)).toEqual({});
  await expect(mcp.connect(b, undefined, 'only-a')).rejects.toMatchObject({ status: 404 });
  await expect(mcp.disconnect(b, undefined, 'only-a')).rejects.toMatchObject({ status: 404 });
  await expect(mcp.startAuth(b, undefined, 'only-a')).rejects.toMatchObject({ status: 404 });
  expect(await mcp.resources(b)).toEqual({});
});

it('reads a resource for a file part, and closes every server process on shutdown', async () => {
  const auth = await school('shutdown');
  const marker = `mcp-marker-${randomBytes(4).toString('hex')}`;
  await ctx.get(McpRepository).putConfig(auth.tenantId, null, 'everything', {
    type: 'local',
    command: [...everythingServerCommand(), marker],
    timeout: 20_000,
  });
  const session = await sessionIn(auth, 'default');
  const resources = Object.values(await mcp.resources(auth));
  const text = resources.find((r) => r.mimeType === 'text/plain') ?? resources[0];
  const contents = await mcp.readResource(auth, session, 'everything', text.uri);
  expect(contents[0]).toMatchObject({ uri: text.uri });
  expect(contents[0].text ?? contents[0].url).toBeTruthy();

  const running = () =>
    execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(marker));
  expect(running().length).toBeGreaterThan(0);
  await mcp.onApplicationShutdown();
  await waitUntil('the MCP server processes to exit after shutdown', running, (lines) => lines.length === 0, {
    timeoutMs: 10_000,
  });
});
