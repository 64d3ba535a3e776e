import { createServer } from 'node:net';
import { settles, waitUntil } from '../../../test/utils/wait-until';
import {
  FAKE_BLOB_BASE64,
  FAKE_PNG_BASE64,
  startFakeMcpHttpServer,
  testBaseEnv,
  type FakeMcpHttpServer,
} from '../../../test/fakes/mcp';
import { McpClientPool } from './mcp-client.pool';
import type { McpKey, McpToolDefinition } from './mcp.types';
import { ToolError } from '../tool/tool.types';

const key: McpKey = { tenantId: 'ten_h', projectId: 'prj_h' };
const allow = () => ({ abort: new AbortController().signal, ask: async () => undefined });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The shared bounded wait; the failure message quotes the awaited condition.
async function waitFor(check: () => boolean): Promise<void> {
  await waitUntil(check.toString(), check);
}

describe('McpClientPool over HTTP', () => {
  let streamable: FakeMcpHttpServer;
  let sse: FakeMcpHttpServer;
  let pool: McpClientPool;
  const changed: string[] = [];

  async function tool(id: string): Promise<McpToolDefinition> {
    const found = (await pool.tools(key)).find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no tool ${id}`);
    return found;
  }

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([startFakeMcpHttpServer(), startFakeMcpHttpServer({ transport: 'sse' })]);
    pool = new McpClientPool({
      baseEnv: testBaseEnv(),
      timeoutMs: 5000,
      stdio: { maxMessageBytes: 512 * 1024 },
      resultLimits: { maxOutputBytes: 1000 },
      reconnect: { initialDelayMs: 50 },
      onToolsChanged: (_key, server) => changed.push(server),
    });
    expect(
      await pool.connect(key, 'remote', { type: 'remote', url: streamable.url, headers: { 'x-school': 'north' } }),
    ).toEqual({ status: 'connected' });
  });

  afterAll(async () => {
    await pool.closeAll();
    await Promise.all([streamable.close(), sse.close()]);
  });

  it('lists tools with sanitized ids and object schemas', async () => {
    const tools = await pool.tools(key);
    expect(tools.map((candidate) => candidate.id).sort()).toEqual(
      [
        'remote_add',
        'remote_big',
        'remote_echo',
        'remote_fail',
        'remote_image',
        'remote_resources',
        'remote_slow',
        'remote_weird_name_tool_',
      ].sort(),
    );
    const add = tools.find((candidate) => candidate.id === 'remote_add')!;
    expect(add.inputSchema).toMatchObject({ type: 'object', additionalProperties: false, required: ['a', 'b'] });
    expect(tools.find((candidate) => candidate.id === 'remote_image')!.inputSchema).toMatchObject({
      type: 'object',
      properties: {},
    });
    expect((await add.execute({ a: 2, b: 40 }, allow())).output).toBe('42');
    expect(streamable.lastHeaders()['x-school']).toBe('north');
  });

  it('converts images and embedded resources', async () => {
    const image = await (await tool('remote_image')).execute({}, allow());
    expect(image).toMatchObject({
      output: 'here is a pixel',
      attachments: [{ mime: 'image/png', url: `data:image/png;base64,${FAKE_PNG_BASE64}` }],
    });
    const resources = await (await tool('remote_resources')).execute({}, allow());
    expect(resources.output).toBe('# Readme');
    expect(resources.attachments).toEqual([
      {
        mime: 'application/octet-stream',
        url: `data:application/octet-stream;base64,${FAKE_BLOB_BASE64}`,
        filename: 'data.bin',
      },
    ]);
  });

  it('turns isError results into a ToolError carrying the server text', async () => {
    await expect((await tool('remote_fail')).execute({}, allow())).rejects.toEqual(new ToolError('it broke'));
  });

  it('caps the output it keeps, and refuses answers over the message cap without hanging', async () => {
    const big = await tool('remote_big');
    const capped = await big.execute({ bytes: 5000 }, allow());
    expect(capped.output).toHaveLength(1000);
    expect(capped.metadata).toMatchObject({ truncated: true });
    // Settling at all with the cap's message is the fact; how fast is bench's business.
    await expect(settles('an oversized answer', big.execute({ bytes: 1024 * 1024 }, allow()))).rejects.toThrow(
      /over 524288 bytes/,
    );
    // The oversized answer cost the connection; the pool reconnects on its own.
    await waitFor(() => pool.status(key).remote.status === 'connected' && changed.includes('remote'));
  });

  it('refreshes tools and fires onToolsChanged when the server sends tools/list_changed', async () => {
    await pool.tools(key);
    changed.length = 0;
    streamable.addTool('late');
    await waitFor(() => changed.includes('remote'));
    expect((await pool.tools(key)).map((candidate) => candidate.id)).toContain('remote_late');
  });

  it('exposes prompts as commands', async () => {
    const greet = (await pool.commands(key)).find((command) => command.name === 'remote:greet');
    expect(greet).toMatchObject({ source: 'mcp', description: 'Greets someone', hints: ['$1', '$2'] });
    expect(await greet!.template()).toBe('$2, $1!');
  });

  it('lists and reads resources', async () => {
    const resources = await pool.listResources(key);
    expect(resources['remote:notes']).toEqual({
      name: 'notes',
      uri: 'fake://notes.txt',
      description: 'Some notes',
      mimeType: 'text/plain',
      client: 'remote',
    });
    expect(await pool.readResource(key, 'remote', 'fake://notes.txt')).toEqual([
      { uri: 'fake://notes.txt', mimeType: 'text/plain', text: 'remember the milk' },
    ]);
    expect(await pool.readResource(key, 'remote', 'fake://logo.png')).toEqual([
      { uri: 'fake://logo.png', mimeType: 'image/png', url: `data:image/png;base64,${FAKE_PNG_BASE64}` },
    ]);
  });

  it('falls back to the legacy SSE transport', async () => {
    expect(await pool.connect(key, 'legacy', { type: 'remote', url: sse.url })).toEqual({ status: 'connected' });
    expect((await (await tool('legacy_echo')).execute({ text: 'over sse' }, allow())).output).toBe('over sse');
    await pool.remove(key, 'legacy');
  });

  it('ends the server-side session when a server is removed', async () => {
    const before = streamable.sessionCount();
    await pool.connect(key, 'temp', { type: 'remote', url: streamable.url });
    expect(streamable.sessionCount()).toBe(before + 1);
    await pool.remove(key, 'temp');
    await waitFor(() => streamable.sessionCount() === before);
  });

  it('reports an unreachable server as failed quickly', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const status = await settles('connecting to a closed port', pool.connect(key, 'gone', { type: 'remote', url }));
    expect(status.status).toBe('failed');
    expect(pool.status(key).remote).toEqual({ status: 'connected' });
    await pool.remove(key, 'gone');
  });

  it('marks a remote server failed when it goes away mid-session', async () => {
    const doomed = await startFakeMcpHttpServer();
    await pool.connect(key, 'doomed', { type: 'remote', url: doomed.url });
    const echo = await tool('doomed_echo');
    await doomed.close();
    await expect(echo.execute({ text: 'anyone?' }, allow())).rejects.toThrow(ToolError);
    expect(pool.status(key).doomed.status).toBe('failed');
    await pool.remove(key, 'doomed');
  });
});
