import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { McpRepository } from '../../../src/modules/mcp/mcp.repository';
import { McpService } from '../../../src/modules/mcp/mcp.service';
import { ProjectService } from '../../../src/modules/project/project.service';
import { SandboxRunner } from '../../../src/modules/sandbox/sandbox-runner.service';
import type { SessionRow } from '../../../src/modules/session/session.repository';
import type { ToolContext } from '../../../src/modules/tool/tool.types';
import { createTestContext, type TestContext } from '../../utils/test-context';

// A local MCP server launched through the bash sandbox (SANDBOX=required): it runs in the project's folder,
// without the API's environment, and cannot read the host's files. Skipped where bubblewrap cannot run.

const repoFile = path.resolve(__dirname, '../../../package.json');
let ctx: TestContext | undefined;
let pg: Client;
let dropsPrivileges = false;

beforeAll(async () => {
  const check = await new SandboxRunner({
    mode: 'required',
    stateDir: await fs.mkdtemp(path.join(os.tmpdir(), 'mcp-sandbox-check-')),
  }).check();
  dropsPrivileges = check.dropsPrivileges;
  if (!check.available) return;
  ctx = await createTestContext(domainModules(), { SANDBOX: 'required' });
  pg = new Client({ connectionString: ctx.database.url });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await ctx?.close();
});

it('runs the server inside the sandbox: project folder as cwd, no API environment, no view of the host', async () => {
  if (!ctx) return console.warn('bubblewrap unavailable: sandboxed MCP spec skipped');
  const suffix = randomBytes(4).toString('hex');
  const auth: AuthContext = { tenantId: `ten_${suffix}`, userId: `usr_${suffix}`, role: 'admin', platformAdmin: false };
  await pg.query(`INSERT INTO "Tenant" (id, slug, name, "updatedAt") VALUES ($1, $2, 'Sandboxed', now())`, [
    auth.tenantId,
    `sandboxed-${suffix}`,
  ]);
  await pg.query(
    `INSERT INTO "User" (id, "tenantId", name, role, "updatedAt") VALUES ($1, $2, 'Admin', 'admin', now())`,
    [auth.userId, auth.tenantId],
  );
  const projects = ctx.get(ProjectService);
  // A write stores the project and makes its folder (a read only describes it since reads create nothing).
  const project = await projects.resolve(auth, 'default', 'write');
  const worktree = projects.worktree(project);
  const script = path.join(worktree, 'probe-server.cjs');
  await fs.copyFile(path.join(__dirname, 'fixtures/sandbox-probe-server.cjs'), script);
  await ctx.get(McpRepository).putConfig(auth.tenantId, project.id, 'probe', {
    type: 'local',
    command: [process.execPath, script, repoFile],
    timeout: 20_000,
  });

  const mcp = ctx.get(McpService);
  expect(await mcp.status(auth)).toEqual({ probe: { status: 'connected' } });
  const session = {
    id: 'ses_probe',
    tenantId: auth.tenantId,
    projectId: project.id,
    directory: worktree,
  } as SessionRow;
  const [tool] = await mcp.toolsForSession(auth, session);
  expect(tool.id).toBe('probe_probe');
  const ctxTool = { auth, abort: new AbortController().signal, ask: async () => undefined } as unknown as ToolContext;
  const seen = JSON.parse((await tool.execute({}, ctxTool)).output) as {
    uid: number;
    cwd: string;
    envKeys: string[];
    seesArgvFile: boolean;
    seesRepo: boolean;
  };
  expect(seen.seesArgvFile).toBe(true);
  expect(seen.seesRepo).toBe(false);
  expect(await fs.realpath(seen.cwd).catch(() => seen.cwd)).toBe(await fs.realpath(worktree));
  expect(seen.envKeys).toEqual(expect.arrayContaining(['PATH', 'HOME']));
  for (const leaked of ['DATABASE_URL', 'DATA_DIR', 'NODE_ENV', 'JEST_WORKER_ID'])
    expect(seen.envKeys).not.toContain(leaked);
  // Run as root, the sandbox drops to the school's own uid, like bash.
  if (dropsPrivileges) expect(seen.uid).not.toBe(0);
});
