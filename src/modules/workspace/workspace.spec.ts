import fs from 'node:fs/promises';
import path from 'node:path';
import { listFileNodes, readFileContent } from './file-node';
import { withFileLock } from './file-lock';
import { compileGitignore } from './ignore-rules';
import { makeSandbox, type Sandbox } from './tool-context.fixture';
import { QuotaExceededError, WorkspaceErrorCode, isWorkspaceError } from './workspace.errors';
import { Workspace } from './workspace';

describe('Workspace', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('resolves relative and absolute paths to the same real path', async () => {
    const a = await sb.ws.resolve('src/a.ts');
    const b = await sb.ws.resolve(path.join(sb.ws.root, 'src', 'a.ts'));
    expect(a.real).toBe(path.join(sb.ws.root, 'src', 'a.ts'));
    expect(b.real).toBe(a.real);
    expect(a.relative).toBe('src/a.ts');
    expect(a.stat).toBeUndefined();
    expect((await sb.ws.resolve('.')).relative).toBe('');
  });

  it('follows symlinks that stay inside and reports both spellings', async () => {
    await fs.writeFile(path.join(sb.ws.root, 'real.txt'), 'x');
    await fs.symlink('real.txt', path.join(sb.ws.root, 'alias.txt'));
    const r = await sb.ws.resolve('alias.txt');
    expect(r.relative).toBe('real.txt');
    expect(r.lexicalRelative).toBe('alias.txt');
    expect(await sb.ws.readText('alias.txt')).toBe('x');
  });

  it('writes atomically, creating parents, keeping the file mode, leaving no temp files', async () => {
    await sb.ws.writeText('deep/er/file.txt', 'one');
    const file = path.join(sb.ws.root, 'deep/er/file.txt');
    await fs.chmod(file, 0o600);
    await sb.ws.writeText('deep/er/file.txt', 'two');
    expect(await fs.readFile(file, 'utf8')).toBe('two');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(path.dirname(file))).toEqual(['file.txt']);
  });

  it('creates project folders with mode 0700 under <root>/<tenant>/<project>', async () => {
    const ws = await sb.manager.get('ten_z', 'my-proj');
    expect(ws.root).toBe(path.join(sb.base, 'workspaces', 'ten_z', 'my-proj'));
    expect((await fs.stat(ws.root)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.dirname(ws.root))).mode & 0o777).toBe(0o700);
    expect(await sb.manager.get('ten_z', 'my-proj')).toBe(ws);
  });

  it('lists entries sorted with their types and removes files', async () => {
    await sb.ws.writeText('b.txt', 'b');
    await sb.ws.mkdir('a-dir');
    await fs.symlink('b.txt', path.join(sb.ws.root, 'c-link'));
    const entries = await sb.ws.list();
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a-dir', 'directory'],
      ['b.txt', 'file'],
      ['c-link', 'symlink'],
    ]);
    await sb.ws.remove('b.txt');
    await expect(sb.ws.stat('b.txt')).resolves.toBeUndefined();
    await expect(sb.ws.remove('a-dir')).rejects.toThrow(/directory/);
    await sb.ws.remove('a-dir', { recursive: true });
  });

  it('enforces the disk quota and tracks usage', async () => {
    const ws = await sb.manager.get('ten_q', 'p', { quotaBytes: 1000 });
    await ws.writeText('a.txt', 'x'.repeat(600));
    expect(await ws.usage({ fresh: true })).toBe(600);
    const err = await ws.writeText('b.txt', 'y'.repeat(500)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as QuotaExceededError).status).toBe(507);
    await expect(fs.access(path.join(ws.root, 'b.txt'))).rejects.toThrow();
    // Shrinking a file is always allowed, and frees room.
    await ws.writeText('a.txt', 'x'.repeat(100));
    await ws.writeText('b.txt', 'y'.repeat(500));
    expect(await ws.usage()).toBe(600);
  });

  it('refuses files above the configured read limit', async () => {
    const ws = await Workspace.open({ root: sb.ws.root, tenantId: 't', projectId: 'p', maxReadBytes: 10 });
    await fs.writeFile(path.join(ws.root, 'eleven.txt'), 'x'.repeat(11));
    const err = await ws.readText('eleven.txt').catch((e: unknown) => e);
    expect(isWorkspaceError(err, WorkspaceErrorCode.TooLarge)).toBe(true);
    await expect(ws.writeText('w.txt', 'x'.repeat(11))).resolves.toBeDefined();
  });

  it('serves FileNode listings and file content in OpenCode shapes', async () => {
    await sb.ws.writeText('.gitignore', 'secret.log\n');
    await sb.ws.writeText('src/a.ts', 'export {}\n');
    await sb.ws.writeText('secret.log', 'x');
    await sb.ws.mkdir('node_modules');
    await fs.writeFile(path.join(sb.ws.root, 'pic.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    const nodes = await listFileNodes(sb.ws, '.');
    expect(nodes.map((n) => [n.name, n.type, n.ignored])).toEqual([
      ['node_modules', 'directory', true],
      ['src', 'directory', false],
      ['.gitignore', 'file', false],
      ['pic.png', 'file', false],
      ['secret.log', 'file', true],
    ]);
    expect(nodes[1]).toEqual({
      name: 'src',
      path: 'src',
      absolute: path.join(sb.ws.root, 'src'),
      type: 'directory',
      ignored: false,
    });
    expect(await readFileContent(sb.ws, 'src/a.ts')).toEqual({ type: 'text', content: 'export {}\n' });
    expect(await readFileContent(sb.ws, 'pic.png')).toEqual({
      type: 'binary',
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]).toString('base64'),
      encoding: 'base64',
      mimeType: 'image/png',
    });
  });

  it('compiles gitignore rules: anchoring, dir-only, negation, contents of ignored folders', () => {
    const ignored = compileGitignore('# c\n*.log\n!keep.log\n/build\ncache/\ndocs/*.tmp\n');
    expect(ignored('a/b/x.log', false)).toBe(true);
    expect(ignored('keep.log', false)).toBe(false);
    expect(ignored('build', true)).toBe(true);
    expect(ignored('src/build', true)).toBe(false);
    expect(ignored('cache', false)).toBe(false);
    expect(ignored('cache/x.js', false)).toBe(true);
    expect(ignored('docs/a.tmp', false)).toBe(true);
    expect(ignored('docs/sub/a.tmp', false)).toBe(false);
  });

  it('serialises work on the same file key', async () => {
    const order: string[] = [];
    const slow = withFileLock('k', async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 30));
      order.push('a-end');
    });
    const fast = withFileLock('k', async () => {
      order.push('b');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['a-start', 'a-end', 'b']);
  });

  it('keeps the owner of a replaced file when running with the right to (root)', async () => {
    const file = path.join(sb.ws.root, 'owned.txt');
    await fs.writeFile(file, 'v1');
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await fs.chown(file, 12345, 12345);
    await sb.ws.writeText('owned.txt', 'v2');
    const st = await fs.stat(file);
    expect(await fs.readFile(file, 'utf8')).toBe('v2');
    expect(st.uid).toBe(asRoot ? 12345 : process.getuid?.());
  });
});
