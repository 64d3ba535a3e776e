import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everythingServerCommand, filesystemServerCommand, testBaseEnv } from '../../../test/fakes/mcp';
import { McpClientPool } from './mcp-client.pool';
import { createDirectSpawner } from './testing/direct-spawner';
import type { McpKey, McpToolDefinition } from './mcp.types';
import type { PermissionAsk } from '../permission/permission.types';

const key: McpKey = { tenantId: 'ten_a', projectId: 'prj_a' };

function toolContext() {
  const asks: PermissionAsk[] = [];
  return {
    asks,
    ctx: { abort: new AbortController().signal, ask: async (request: PermissionAsk) => void asks.push(request) },
  };
}

function byId(tools: McpToolDefinition[], id: string): McpToolDefinition {
  const tool = tools.find((candidate) => candidate.id === id);
  if (!tool) throw new Error(`tool ${id} missing; have ${tools.map((t) => t.id).join(', ')}`);
  return tool;
}

describe('McpClientPool over stdio with the reference servers', () => {
  let pool: McpClientPool;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-fs-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from disk\n');
    pool = new McpClientPool({ baseEnv: testBaseEnv(), timeoutMs: 15_000, spawner: createDirectSpawner() });
    const [everything, fs] = await Promise.all([
      pool.connect(key, 'every thing', { type: 'local', command: everythingServerCommand() }),
      pool.connect(key, 'fs', { type: 'local', command: filesystemServerCommand(dir) }),
    ]);
    expect(everything).toEqual({ status: 'connected' });
    expect(fs).toEqual({ status: 'connected' });
  });

  afterAll(async () => {
    await pool.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports both servers connected and names tools <server>_<tool> sanitized', async () => {
    expect(pool.status(key)).toEqual({ 'every thing': { status: 'connected' }, fs: { status: 'connected' } });
    const tools = await pool.tools(key);
    const ids = tools.map((tool) => tool.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'every_thing_echo',
        'every_thing_get-tiny-image',
        'fs_read_text_file',
        'fs_list_directory',
      ]),
    );
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
    const echo = byId(tools, 'every_thing_echo');
    expect(echo.mcpName).toBe('echo');
    expect(echo.server).toBe('every thing');
    expect(echo.inputSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { message: expect.any(Object) },
    });
  });

  it('asks permission with the tool id, then calls the tool and joins text', async () => {
    const { asks, ctx } = toolContext();
    const echo = byId(await pool.tools(key), 'every_thing_echo');
    const result = await echo.execute({ message: 'hi there' }, ctx);
    expect(asks).toEqual([{ permission: 'every_thing_echo', patterns: ['*'], always: ['*'], metadata: {} }]);
    expect(result.output).toBe('Echo: hi there');
    expect(result.attachments).toBeUndefined();
  });

  it('does not call the tool when permission is refused', async () => {
    const sum = byId(await pool.tools(key), 'every_thing_get-sum');
    const refused = {
      abort: new AbortController().signal,
      ask: async () => Promise.reject(new Error('denied by rule')),
    };
    await expect(sum.execute({ a: 1, b: 2 }, refused)).rejects.toThrow('denied by rule');
  });

  it('turns an image into a data-URL attachment next to the text', async () => {
    const image = byId(await pool.tools(key), 'every_thing_get-tiny-image');
    const result = await image.execute({}, toolContext().ctx);
    expect(result.output).toContain("Here's the image you requested:");
    expect(result.attachments).toHaveLength(1);
    expect(result.attachments?.[0].mime).toBe('image/png');
    expect(result.attachments?.[0].url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  });

  it('inlines text resources and attaches blob resources', async () => {
    const reference = byId(await pool.tools(key), 'every_thing_get-resource-reference');
    const text = await reference.execute({ resourceType: 'Text', resourceId: 2 }, toolContext().ctx);
    expect(text.output).toContain('Returning resource reference for Resource 2');
    expect(text.output).toContain('Resource 2: This is a plaintext resource');
    expect(text.attachments).toBeUndefined();
    const blob = await reference.execute({ resourceType: 'Blob', resourceId: 3 }, toolContext().ctx);
    expect(blob.attachments).toHaveLength(1);
    const [header, payload] = blob.attachments![0].url.split(',');
    expect(header).toBe('data:text/plain;base64');
    expect(Buffer.from(payload, 'base64').toString()).toContain('Resource 3: This is a base64 blob');
    expect(blob.output).not.toContain('This is a base64 blob');
  });

  it('reads a real file through server-filesystem', async () => {
    const read = byId(await pool.tools(key), 'fs_read_text_file');
    const result = await read.execute({ path: join(dir, 'hello.txt') }, toolContext().ctx);
    expect(result.output).toBe('hello from disk\n');
  });

  it('lists prompts as commands with $n hints and renders the template', async () => {
    const commands = await pool.commands(key);
    const args = commands.find((command) => command.name === 'every_thing:args-prompt');
    expect(args).toMatchObject({ source: 'mcp', hints: ['$1', '$2'], description: expect.any(String) });
    expect(await args!.template()).toBe("What's weather in $1, $2?");
  });

  it('lists resources keyed <server>:<name> and reads them back', async () => {
    const resources = await pool.listResources(key);
    const entries = Object.entries(resources).filter(([, resource]) => resource.client === 'every thing');
    expect(entries.length).toBeGreaterThan(0);
    const [name, first] = entries[0];
    expect(name.startsWith('every_thing:')).toBe(true);
    const contents = await pool.readResource(key, 'every thing', first.uri);
    expect(contents[0].uri).toBe(first.uri);
    expect(contents[0].text !== undefined || contents[0].url?.startsWith('data:')).toBe(true);
  });

  it('starts local servers with only PATH, HOME and the configured environment', async () => {
    const envKey: McpKey = { tenantId: 'ten_env', projectId: 'prj_env' };
    const status = await pool.connect(envKey, 'ev', {
      type: 'local',
      command: everythingServerCommand(),
      environment: { SCHOOL_FLAG: 'on' },
    });
    expect(status).toEqual({ status: 'connected' });
    const getEnv = byId(await pool.tools(envKey), 'ev_get-env');
    const env = JSON.parse((await getEnv.execute({}, toolContext().ctx)).output) as Record<string, string>;
    expect(env.SCHOOL_FLAG).toBe('on');
    expect(Object.keys(env).sort()).toEqual(expect.arrayContaining(['PATH', 'SCHOOL_FLAG']));
    // Nothing of the test runner's environment (JEST_WORKER_ID, NODE_ENV, ...) leaks into the server.
    expect(env.JEST_WORKER_ID).toBeUndefined();
    expect(Object.keys(env).filter((name) => !['PATH', 'HOME', 'SCHOOL_FLAG'].includes(name))).toEqual([]);
    await pool.remove(envKey, 'ev');
    expect(pool.status(envKey)).toEqual({});
  });
});
