// Escape attempts against the confinement layer and through the file tools; every one must be refused
// and must leave the world outside the workspace untouched.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import fc from 'fast-check';
import fs from 'node:fs/promises';
import path from 'node:path';
import { settles } from '../../../test/utils/wait-until';
import { applyPatchTool } from '../tool/tools/apply-patch/apply-patch.tool';
import { editTool } from '../tool/tools/edit/edit.tool';
import { createGlobTool } from '../tool/tools/glob/glob.tool';
import { createGrepTool } from '../tool/tools/grep/grep.tool';
import { listTool } from '../tool/tools/list/list.tool';
import { readTool } from '../tool/tools/read/read.tool';
import { writeTool } from '../tool/tools/write/write.tool';
import { ToolError } from '../tool/tool.types';
import { makeSandbox, makeToolContext, type Sandbox } from './tool-context.fixture';
import { readVerified } from './workspace-io';
import { WorkspaceError, WorkspaceErrorCode } from './workspace.errors';

const SECRET = 'TOP-SECRET-OUTSIDE';

describe('workspace confinement', () => {
  let sb: Sandbox;
  let secretFile: string;

  beforeEach(async () => {
    sb = await makeSandbox();
    secretFile = path.join(sb.outside, 'secret.txt');
    await fs.writeFile(secretFile, `${SECRET}\n`);
    await fs.writeFile(path.join(sb.ws.root, 'ok.txt'), 'inside\n');
  });
  afterEach(() => sb.cleanup());

  const refusedWith = async (p: Promise<unknown>, code?: WorkspaceErrorCode) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkspaceError);
    if (code) expect((err as WorkspaceError).workspaceCode).toBe(code);
    return err as WorkspaceError;
  };
  const toolRefused = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolError);
    return (err as Error).message;
  };
  const outsideUnchanged = async () => expect(await fs.readFile(secretFile, 'utf8')).toBe(`${SECRET}\n`);

  it('1. refuses ../ traversal', async () => {
    await refusedWith(sb.ws.readText('../../../outside/secret.txt'), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('2. refuses traversal hidden in the middle of a path', async () => {
    await refusedWith(sb.ws.readText('sub/../../..//../outside/secret.txt'), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('3. refuses absolute /etc/passwd', async () => {
    const e = await refusedWith(sb.ws.readText('/etc/passwd'), WorkspaceErrorCode.OutsideWorkspace);
    expect(e.message).toContain('outside the project');
  });

  it('4. refuses an absolute path to a sibling folder sharing the root as a string prefix', async () => {
    const twin = `${sb.ws.root}-evil`;
    await fs.mkdir(twin);
    await fs.writeFile(path.join(twin, 'x.txt'), SECRET);
    await refusedWith(sb.ws.readText(path.join(twin, 'x.txt')), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('5. refuses a symlink to /etc/passwd', async () => {
    await fs.symlink('/etc/passwd', path.join(sb.ws.root, 'passwd'));
    await refusedWith(sb.ws.readText('passwd'), WorkspaceErrorCode.OutsideWorkspace);
    const ctx = makeToolContext(sb.ws);
    await toolRefused(readTool.execute({ filePath: 'passwd' }, ctx));
    expect(ctx.asks).toHaveLength(0);
  });

  it('6. refuses reading through a symlinked directory that leads out', async () => {
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'escape'));
    await refusedWith(sb.ws.readText('escape/secret.txt'), WorkspaceErrorCode.OutsideWorkspace);
    await refusedWith(sb.ws.list('escape'), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('7. refuses creating a file through a symlinked directory', async () => {
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'escape'));
    await toolRefused(writeTool.execute({ filePath: 'escape/planted.txt', content: 'x' }, makeToolContext(sb.ws)));
    await expect(fs.access(path.join(sb.outside, 'planted.txt'))).rejects.toThrow();
  });

  it('8. refuses writing through a dangling symlink that points outside', async () => {
    await fs.symlink(path.join(sb.outside, 'new.txt'), path.join(sb.ws.root, 'dangling'));
    await refusedWith(sb.ws.writeText('dangling', 'x'), WorkspaceErrorCode.OutsideWorkspace);
    await expect(fs.access(path.join(sb.outside, 'new.txt'))).rejects.toThrow();
  });

  it('9. refuses editing a file through a symlink to it', async () => {
    await fs.symlink(secretFile, path.join(sb.ws.root, 'link.txt'));
    await toolRefused(
      editTool.execute({ filePath: 'link.txt', oldString: SECRET, newString: 'owned' }, makeToolContext(sb.ws)),
    );
    await outsideUnchanged();
  });

  it('10. refuses reading and writing a hard link to a file outside', async () => {
    await fs.link(secretFile, path.join(sb.ws.root, 'hard.txt'));
    await refusedWith(sb.ws.readText('hard.txt'), WorkspaceErrorCode.HardLink);
    await refusedWith(sb.ws.writeText('hard.txt', 'owned'), WorkspaceErrorCode.HardLink);
    await toolRefused(
      editTool.execute({ filePath: 'hard.txt', oldString: SECRET, newString: 'owned' }, makeToolContext(sb.ws)),
    );
    await outsideUnchanged();
  });

  it('11. refuses /proc/self/environ, directly and through a link', async () => {
    await refusedWith(sb.ws.readText('/proc/self/environ'), WorkspaceErrorCode.OutsideWorkspace);
    await fs.symlink('/proc/self/environ', path.join(sb.ws.root, 'env'));
    await refusedWith(sb.ws.readText('env'), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('12. refuses /dev/zero, directly and through a link', async () => {
    await refusedWith(sb.ws.readBytes('/dev/zero'), WorkspaceErrorCode.OutsideWorkspace);
    await fs.symlink('/dev/zero', path.join(sb.ws.root, 'zero'));
    await refusedWith(sb.ws.readBytes('zero'), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('13. refuses a FIFO inside the workspace without blocking', async () => {
    execFileSync('mkfifo', [path.join(sb.ws.root, 'pipe')]);
    // An opened FIFO waits forever for a writer: settling at all is the fact (how fast is bench's business).
    await refusedWith(settles('reading a FIFO', sb.ws.readText('pipe')), WorkspaceErrorCode.SpecialFile);
    await toolRefused(
      settles('the read tool on a FIFO', readTool.execute({ filePath: 'pipe' }, makeToolContext(sb.ws))),
    );
    await refusedWith(settles('writing a FIFO', sb.ws.writeText('pipe', 'x')), WorkspaceErrorCode.SpecialFile);
  });

  it("14. refuses another tenant's workspace by absolute path and by traversal", async () => {
    const other = await sb.manager.get('ten_b', 'proj');
    await fs.writeFile(path.join(other.root, 'homework.txt'), SECRET);
    await refusedWith(sb.ws.readText(path.join(other.root, 'homework.txt')), WorkspaceErrorCode.OutsideWorkspace);
    await refusedWith(sb.ws.readText('../../ten_b/proj/homework.txt'), WorkspaceErrorCode.OutsideWorkspace);
    await refusedWith(sb.ws.writeText('../../ten_b/proj/homework.txt', 'x'), WorkspaceErrorCode.OutsideWorkspace);
    expect(await fs.readFile(path.join(other.root, 'homework.txt'), 'utf8')).toBe(SECRET);
  });

  it('15. refuses a huge file', async () => {
    const big = path.join(sb.ws.root, 'big.bin');
    await fs.writeFile(big, '');
    await fs.truncate(big, sb.ws.options.maxReadBytes + 1);
    await refusedWith(sb.ws.readBytes('big.bin'), WorkspaceErrorCode.TooLarge);
  });

  it('16. catches a file swapped for a symlink after the path check', async () => {
    const resolved = await sb.ws.resolve('ok.txt');
    await fs.rm(path.join(sb.ws.root, 'ok.txt'));
    await fs.symlink(secretFile, path.join(sb.ws.root, 'ok.txt'));
    const e = await refusedWith(
      readVerified(resolved.real, sb.ws.root, 'ok.txt', { maxBytes: 1e6, allowHardLinks: false }),
    );
    expect(e.workspaceCode).toBe(WorkspaceErrorCode.Changed);
  });

  it('17. catches a parent folder swapped for a symlink after the path check (checked on the open fd)', async () => {
    await fs.mkdir(path.join(sb.ws.root, 'sub'));
    await fs.writeFile(path.join(sb.ws.root, 'sub', 'secret.txt'), 'harmless');
    const resolved = await sb.ws.resolve('sub/secret.txt');
    await fs.rm(path.join(sb.ws.root, 'sub'), { recursive: true });
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'sub'));
    const e = await refusedWith(
      readVerified(resolved.real, sb.ws.root, 'sub/secret.txt', { maxBytes: 1e6, allowHardLinks: false }),
    );
    expect(e.workspaceCode).toBe(WorkspaceErrorCode.Changed);
  });

  it('18. refuses the write tool with ../ and with an absolute outside path', async () => {
    const ctx = makeToolContext(sb.ws);
    expect(
      await toolRefused(writeTool.execute({ filePath: '../../../outside/secret.txt', content: 'x' }, ctx)),
    ).toContain('outside the project');
    await toolRefused(writeTool.execute({ filePath: secretFile, content: 'x' }, ctx));
    await outsideUnchanged();
    expect(ctx.asks).toHaveLength(0);
  });

  it('19. apply_patch writes nothing when one section escapes', async () => {
    const patchText = [
      '*** Begin Patch',
      '*** Add File: fine.txt',
      '+fine',
      '*** Add File: ../../../outside/pwn.txt',
      '+pwned',
      '*** End Patch',
    ].join('\n');
    await toolRefused(applyPatchTool.execute({ patchText }, makeToolContext(sb.ws)));
    await expect(fs.access(path.join(sb.ws.root, 'fine.txt'))).rejects.toThrow();
    await expect(fs.access(path.join(sb.outside, 'pwn.txt'))).rejects.toThrow();
  });

  it('20. apply_patch refuses moving a file out of the workspace', async () => {
    const patchText = [
      '*** Begin Patch',
      '*** Update File: ok.txt',
      `*** Move to: ${path.join(sb.outside, 'moved.txt')}`,
      '@@',
      '-inside',
      '+moved',
      '*** End Patch',
    ].join('\n');
    await toolRefused(applyPatchTool.execute({ patchText }, makeToolContext(sb.ws)));
    expect(await fs.readFile(path.join(sb.ws.root, 'ok.txt'), 'utf8')).toBe('inside\n');
    await expect(fs.access(path.join(sb.outside, 'moved.txt'))).rejects.toThrow();
  });

  it('21. grep (ripgrep and fallback) never shows content reached through links', async () => {
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'escape'));
    await fs.symlink(secretFile, path.join(sb.ws.root, 'file-link.txt'));
    await fs.link(secretFile, path.join(sb.ws.root, 'hard.txt'));
    for (const ripgrepPath of ['/usr/bin/rg', null]) {
      const result = await createGrepTool({ ripgrepPath }).execute({ pattern: SECRET }, makeToolContext(sb.ws));
      expect(result.output).toBe('No files found');
    }
    await toolRefused(
      createGrepTool({ ripgrepPath: null }).execute({ pattern: 'x', path: sb.outside }, makeToolContext(sb.ws)),
    );
  });

  it('22. glob and list do not descend into a symlinked folder', async () => {
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'escape'));
    for (const ripgrepPath of ['/usr/bin/rg', null]) {
      const result = await createGlobTool({ ripgrepPath }).execute({ pattern: '**/*.txt' }, makeToolContext(sb.ws));
      expect(result.output).not.toContain('secret.txt');
      expect(result.output).toContain('ok.txt');
    }
    const listed = await listTool.execute({}, makeToolContext(sb.ws));
    expect(listed.output).not.toContain('secret.txt');
    await toolRefused(listTool.execute({ path: 'escape' }, makeToolContext(sb.ws)));
  });

  it('23. removing a symlink removes the link, not its target; removing outside is refused', async () => {
    await fs.symlink(secretFile, path.join(sb.ws.root, 'link.txt'));
    await sb.ws.remove('link.txt');
    await outsideUnchanged();
    await refusedWith(sb.ws.remove('../../../outside/secret.txt'), WorkspaceErrorCode.OutsideWorkspace);
    await refusedWith(sb.ws.remove('.'), WorkspaceErrorCode.InvalidPath);
    await outsideUnchanged();
  });

  it('24. refuses mkdir and writes below a symlinked folder, and NUL bytes in paths', async () => {
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'escape'));
    await refusedWith(sb.ws.mkdir('escape/deeper/still'), WorkspaceErrorCode.OutsideWorkspace);
    await refusedWith(sb.ws.readText('ok.txt\0../../etc/passwd'), WorkspaceErrorCode.InvalidPath);
    await expect(fs.readdir(sb.outside)).resolves.toEqual(['secret.txt']);
  });

  it('24b. a name longer than NAME_MAX or a path longer than PATH_MAX is a bad path (400), never an ENAMETOOLONG', async () => {
    // Found by the OpenAPI fuzz (openapi-bad-input.fault-spec): a 330-byte query `path` was a 500.
    const long = 'n'.repeat(256);
    for (const p of [long, `src/${long}/x.ts`, `${'é'.repeat(128)}.md`, `${'d/'.repeat(2100)}x`]) {
      await refusedWith(sb.ws.readText(p), WorkspaceErrorCode.InvalidPath);
      await refusedWith(sb.ws.writeText(p, 'x'), WorkspaceErrorCode.InvalidPath);
      await refusedWith(sb.ws.list(p), WorkspaceErrorCode.InvalidPath);
    }
    // 255 bytes is still a name: missing, not refused.
    await refusedWith(sb.ws.readText('n'.repeat(255)), WorkspaceErrorCode.NotFound);
  });

  it("25. the tool-output folder is readable but not writable, and another project's is unreachable", async () => {
    const mine = path.join(sb.ws.outputDir!, 'tool_x');
    await fs.writeFile(mine, 'saved output');
    expect(await sb.ws.readText(mine)).toBe('saved output');
    await refusedWith(sb.ws.writeText(mine, 'x'), WorkspaceErrorCode.ReadOnly);
    const other = await sb.manager.get('ten_b', 'proj');
    await fs.writeFile(path.join(other.outputDir!, 'tool_y'), SECRET);
    await refusedWith(sb.ws.readText(path.join(other.outputDir!, 'tool_y')), WorkspaceErrorCode.OutsideWorkspace);
  });

  it('26. refuses symlink loops', async () => {
    await fs.symlink('loop-b', path.join(sb.ws.root, 'loop-a'));
    await fs.symlink('loop-a', path.join(sb.ws.root, 'loop-b'));
    await refusedWith(sb.ws.readText('loop-a'));
  });

  it('27. refuses tenant and project names that are paths', async () => {
    for (const [tenant, project] of [
      ['..', 'proj'],
      ['ten_a', '..'],
      ['ten_a/../ten_b', 'proj'],
      ['ten_a', 'a/b'],
      ['.hidden', 'x'],
    ]) {
      expect(() => sb.manager.pathFor(tenant, project)).toThrow(/Invalid/);
    }
  });

  it('28. the read tool refuses a relative path that climbs out even when it names an existing outside file', async () => {
    const ctx = makeToolContext(sb.ws);
    const msg = await toolRefused(readTool.execute({ filePath: '../../../outside/secret.txt' }, ctx));
    expect(msg).not.toContain(SECRET);
    expect(ctx.asks).toHaveLength(0);
  });

  it('29. refuses a unix socket inside the workspace', async () => {
    const sock = path.join(sb.ws.root, 'app.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      await refusedWith(sb.ws.readText('app.sock'), WorkspaceErrorCode.SpecialFile);
      await refusedWith(sb.ws.writeText('app.sock', 'x'), WorkspaceErrorCode.SpecialFile);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('30. any mix of .., ., names and slashes resolves inside the root or is refused', async () => {
    await fs.mkdir(path.join(sb.ws.root, 'a', 'b'), { recursive: true });
    await fs.symlink(sb.outside, path.join(sb.ws.root, 'a', 'out'));
    const segment = fc.constantFrom('..', '.', 'a', 'b', 'out', '', 'ten_a', 'outside', 'secret.txt');
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 8 }), fc.boolean(), async (parts, absolute) => {
        const input = (absolute ? sb.ws.root + '/' : '') + parts.join('/');
        try {
          const r = await sb.ws.resolve(input);
          expect(r.real === sb.ws.root || r.real.startsWith(sb.ws.root + '/')).toBe(true);
          expect(r.real).not.toContain(sb.outside);
        } catch (err) {
          expect(err).toBeInstanceOf(WorkspaceError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("31. a tenant or project folder replaced by a link to another tenant's folder is refused", async () => {
    const other = await sb.manager.get('ten_b', 'proj');
    await fs.writeFile(path.join(other.root, 'homework.txt'), SECRET);
    await fs.symlink(path.dirname(other.root), path.join(sb.base, 'workspaces', 'ten_c'));
    await expect(sb.manager.get('ten_c', 'proj')).rejects.toThrow(/not a plain directory|not where it should be/);
    await fs.symlink(other.root, path.join(sb.base, 'workspaces', 'ten_a', 'linked'));
    await expect(sb.manager.get('ten_a', 'linked')).rejects.toThrow(/not a plain directory|not where it should be/);
  });
});
