import type { ChildProcess } from 'node:child_process';
import { misbehavingServerCommand, testBaseEnv, type Misbehaviour } from '../../../test/fakes/mcp';
import { settles, waitUntil } from '../../../test/utils/wait-until';
import { McpClientPool, type McpClientPoolOptions } from './mcp-client.pool';
import { McpServerNotFoundError } from './mcp.errors';
import type { McpKey, McpToolDefinition } from './mcp.types';
import type { McpProcessSpawner } from './stdio/mcp-process.spawner';
import { createDirectSpawner } from './testing/direct-spawner';
import { ToolError } from '../tool/tool.types';

const key: McpKey = { tenantId: 'ten_f', projectId: 'prj_f' };
const allow = () => ({ abort: new AbortController().signal, ask: async () => undefined });
const local = (mode: Misbehaviour, timeout?: number) => ({
  type: 'local' as const,
  command: misbehavingServerCommand(mode),
  ...(timeout ? { timeout } : {}),
});

function recordingSpawner(): { spawner: McpProcessSpawner; children: ChildProcess[] } {
  const children: ChildProcess[] = [];
  const direct = createDirectSpawner();
  return {
    children,
    spawner: (spec) => {
      const child = direct(spec);
      children.push(child);
      return child;
    },
  };
}

const isDead = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

// The shared bounded wait; the failure message quotes the awaited condition.
async function waitFor(check: () => boolean): Promise<void> {
  await waitUntil(check.toString(), check);
}

async function tool(pool: McpClientPool, id: string): Promise<McpToolDefinition> {
  const found = (await pool.tools(key)).find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no tool ${id}`);
  return found;
}

describe('McpClientPool with misbehaving stdio servers', () => {
  let pool: McpClientPool;
  let children: ChildProcess[];
  const toolsChanged: string[] = [];

  function makePool(extra: Partial<McpClientPoolOptions> = {}) {
    const recorded = recordingSpawner();
    children = recorded.children;
    pool = new McpClientPool({
      baseEnv: testBaseEnv(),
      spawner: recorded.spawner,
      timeoutMs: 5000,
      stdio: { maxMessageBytes: 1024 * 1024, killGraceMs: 500 },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts: 3 },
      onToolsChanged: (_key, server) => toolsChanged.push(server),
      ...extra,
    });
  }

  beforeEach(() => {
    toolsChanged.length = 0;
    makePool();
  });

  afterEach(async () => {
    await pool.closeAll();
    await waitFor(() => children.every(isDead));
  });

  it('marks a server that exits at start failed, with its exit code and stderr, and keeps the pool usable', async () => {
    const [crashed, healthy] = await Promise.all([
      pool.connect(key, 'crashy', local('crash')),
      pool.connect(key, 'ok', local('serve')),
    ]);
    expect(crashed.status).toBe('failed');
    expect(crashed.status === 'failed' && crashed.error).toMatch(/code 3/);
    expect(crashed.status === 'failed' && crashed.error).toContain('boom: config file missing');
    expect(healthy).toEqual({ status: 'connected' });
    const echo = await tool(pool, 'ok_echo');
    expect((await echo.execute({ text: 'still here' }, allow())).output).toBe('still here');
    expect((await pool.tools(key)).every((candidate) => candidate.server === 'ok')).toBe(true);
  });

  it('reports a command that cannot be started as failed', async () => {
    const status = await pool.connect(key, 'missing', { type: 'local', command: ['/nonexistent/mcp-server'] });
    expect(status.status).toBe('failed');
    expect(status.status === 'failed' && status.error).toMatch(/ENOENT/);
  });

  it('times out a server that never answers initialize and kills it', async () => {
    // The server never answers: settling at all and the "timed out" message prove the timer ended the connect.
    const status = await settles('connecting to a silent server', pool.connect(key, 'silent', local('hang', 400)));
    expect(status.status).toBe('failed');
    expect(status.status === 'failed' && status.error).toMatch(/timed out/i);
    await waitFor(() => isDead(children[0]));
  });

  it('gives up on a server flooding stdout without newlines', async () => {
    const status = await pool.connect(key, 'flood', local('flood-stdout'));
    expect(status.status).toBe('failed');
    expect(status.status === 'failed' && status.error).toMatch(/over 1048576 bytes/);
  });

  it('gives up on a server printing endless non-JSON lines', async () => {
    const status = await pool.connect(key, 'junk', local('garbage'));
    expect(status.status).toBe('failed');
    expect(status.status === 'failed' && status.error).toMatch(/non-JSON-RPC/);
  });

  it('keeps working while a server floods stderr', async () => {
    expect(await pool.connect(key, 'noisy', local('noisy'))).toEqual({ status: 'connected' });
    const echo = await tool(pool, 'noisy_echo');
    expect((await echo.execute({ text: 'heard' }, allow())).output).toBe('heard');
  });

  it('times out a tool call that never returns, and the server stays usable', async () => {
    // The server's `timeout` covers initialize too: starting node with the MCP SDK took over 1.5 s on a loaded
    // CI machine, so the connect itself timed out. 5 s leaves room; the message proves which timer ended the call
    // (how fast is bench's business, not this spec's).
    expect(await pool.connect(key, 'slow', local('serve', 5000))).toEqual({ status: 'connected' });
    const hang = await tool(pool, 'slow_hang');
    const error = await hang.execute({}, allow()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(/timed out after 5000 ms/);
    expect(pool.status(key).slow).toEqual({ status: 'connected' });
    expect((await (await tool(pool, 'slow_echo')).execute({ text: 'after' }, allow())).output).toBe('after');
  });

  it('stops waiting as soon as the call is aborted', async () => {
    await pool.connect(key, 'ab', local('serve'));
    const hang = await tool(pool, 'ab_hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed stop')), 100);
    // The tool hangs forever: settling with the abort's reason proves the abort ended the wait.
    await expect(
      settles('an aborted call', hang.execute({}, { abort: controller.signal, ask: async () => undefined })),
    ).rejects.toThrow(/user pressed stop/);
  });

  it('refuses a result over the message cap, then reconnects the server', async () => {
    await pool.connect(key, 'big', local('serve'));
    const huge = await tool(pool, 'big_huge');
    await expect(huge.execute({ bytes: 2 * 1024 * 1024 }, allow())).rejects.toThrow(
      /Connection closed: MCP server sent a message over 1048576 bytes/,
    );
    await waitFor(() => pool.status(key).big.status === 'connected' && children.length === 2);
    expect(toolsChanged).toContain('big');
    expect((await (await tool(pool, 'big_echo')).execute({ text: 'back' }, allow())).output).toBe('back');
  });

  it('reports a crash during a call as failed, then reconnects with backoff', async () => {
    const statuses: string[] = [];
    makePool({
      onStatusChanged: (_key, _name, status) => statuses.push(status.status),
      onToolsChanged: (_key, server) => toolsChanged.push(server),
    });
    await pool.connect(key, 'crashy', local('serve'));
    const crash = await tool(pool, 'crashy_crash');
    await expect(crash.execute({}, allow())).rejects.toThrow(/Connection closed: process exited with code 7/);
    await waitFor(() => statuses.includes('failed'));
    await waitFor(() => pool.status(key).crashy.status === 'connected' && children.length === 2);
    expect(statuses).toEqual(['connected', 'failed', 'connected']);
    expect(toolsChanged).toEqual(['crashy']);
  });

  it('stops reconnecting after maxAttempts and stays failed', async () => {
    let spawns = 0;
    const direct = createDirectSpawner();
    children = [];
    pool = new McpClientPool({
      baseEnv: testBaseEnv(),
      reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 2 },
      // The first process serves; every restart crashes at once.
      spawner: (spec) => {
        const child = direct(spawns++ === 0 ? spec : { ...spec, args: [spec.args[0], 'crash'] });
        children.push(child);
        return child;
      },
    });
    await pool.connect(key, 'flaky', local('serve'));
    await expect((await tool(pool, 'flaky_crash')).execute({}, allow())).rejects.toThrow(ToolError);
    await waitFor(() => spawns === 3 && children.every(isDead));
    // An observation window for a negative fact (no fourth spawn), not synchronisation: load can only hide a bug here,
    // never fail a correct pool.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spawns).toBe(3);
    const status = pool.status(key).flaky;
    expect(status.status === 'failed' && status.error).toMatch(/code 3/);
  });

  it('closes idle connections and reopens them on next use', async () => {
    makePool({ idleMs: 150 });
    await pool.connect(key, 'idle', local('serve'));
    await waitFor(() => isDead(children[0]));
    expect(pool.status(key).idle).toEqual({ status: 'connected' });
    const echo = await tool(pool, 'idle_echo');
    expect((await echo.execute({ text: 'woke' }, allow())).output).toBe('woke');
    expect(children).toHaveLength(2);
  });

  it('does not start disabled servers, and disconnect marks a server disabled', async () => {
    expect(await pool.connect(key, 'off', { ...local('serve'), enabled: false })).toEqual({ status: 'disabled' });
    expect(children).toHaveLength(0);
    await pool.connect(key, 'on', local('serve'));
    await pool.disconnect(key, 'on');
    await waitFor(() => isDead(children[0]));
    expect(pool.status(key)).toEqual({ off: { status: 'disabled' }, on: { status: 'disabled' } });
    expect(await pool.tools(key)).toEqual([]);
    await expect(pool.disconnect(key, 'nope')).rejects.toBeInstanceOf(McpServerNotFoundError);
  });

  it('routes calls from tool objects listed before a server was replaced to the new connection', async () => {
    await pool.connect(key, 'swap', local('serve'));
    const stale = await tool(pool, 'swap_echo');
    await pool.connect(key, 'swap', local('serve'));
    expect((await stale.execute({ text: 'new process' }, allow())).output).toBe('new process');
    await pool.remove(key, 'swap');
    await expect(stale.execute({ text: 'gone' }, allow())).rejects.toThrow(/MCP server not found: swap/);
    expect(children).toHaveLength(2);
  });

  it('kills a server that ignores SIGTERM once the grace period is over', async () => {
    expect(await pool.connect(key, 'stubborn', local('stubborn'))).toEqual({ status: 'connected' });
    await pool.disconnect(key, 'stubborn');
    await waitFor(() => isDead(children[0]));
    // SIGKILL is the proof the grace period ran out (the server ignores SIGTERM); its length is not asserted.
    expect(children[0].signalCode).toBe('SIGKILL');
  });

  it('keeps tenants and projects apart', async () => {
    const other: McpKey = { tenantId: 'ten_other', projectId: 'prj_f' };
    await pool.connect(key, 'mine', local('serve'));
    expect(pool.status(other)).toEqual({});
    expect(await pool.tools(other)).toEqual([]);
    await expect(pool.readResource(other, 'mine', 'x://y')).rejects.toBeInstanceOf(McpServerNotFoundError);
  });
});
