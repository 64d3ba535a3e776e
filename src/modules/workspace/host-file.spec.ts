import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { settles } from '../../../test/utils/wait-until';
import type { AppConfig } from '../../core/config/app-config';
import { InstructionService } from '../instruction/instruction.service';
import { SkillService } from '../skill/skill.service';
import { SnapshotErrorCode } from '../snapshot/snapshot.errors';
import { createSandbox } from '../snapshot/testing/workspace.fixture';
import { readHostFile } from './host-file';
import { loadIgnoreMatcher } from './ignore-rules';
import { WorkspaceManager } from './workspace-manager';
import { WorkspaceErrorCode } from './workspace.errors';

// Host-side reads of files a student controls: links, FIFOs, devices, hard links and huge files are refused,
// and a FIFO never blocks: each case settles at all (an open FIFO would wait forever), which is the fact; how fast
// is bench's business, never an assertion (a loaded machine stretches time).

let base: string;
let root: string;
beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'host-file-'));
  root = path.join(base, 'ws');
  mkdirSync(root);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function refusal(relative: string, maxBytes = 1024): Promise<string | undefined> {
  return settles(
    `reading ${relative}`,
    readHostFile(root, relative, { maxBytes }).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    ),
  );
}

describe('readHostFile', () => {
  it('reads a small regular file and answers undefined for a missing one', async () => {
    writeFileSync(path.join(root, 'AGENTS.md'), 'be kind');
    expect((await readHostFile(root, 'AGENTS.md', { maxBytes: 1024 }))?.toString()).toBe('be kind');
    expect(await readHostFile(root, 'missing.md', { maxBytes: 1024 })).toBeUndefined();
    expect(await readHostFile(root, 'no/such/dir/x', { maxBytes: 1024 })).toBeUndefined();
  });

  it('refuses links (out, in, to a device), FIFOs, hard links, huge files and paths outside', async () => {
    writeFileSync(path.join(root, 'inside.md'), 'x');
    symlinkSync('/etc/passwd', path.join(root, 'passwd.md'));
    symlinkSync('inside.md', path.join(root, 'alias.md'));
    symlinkSync('/dev/zero', path.join(root, 'zero.md'));
    execFileSync('mkfifo', [path.join(root, 'fifo.md')]);
    writeFileSync(path.join(base, 'secret.txt'), 'secret');
    linkSync(path.join(base, 'secret.txt'), path.join(root, 'hard.md'));
    writeFileSync(path.join(root, 'huge.md'), Buffer.alloc(64 * 1024, 'a'));
    mkdirSync(path.join(base, 'elsewhere'));
    writeFileSync(path.join(base, 'elsewhere', 'SKILL.md'), 'x');
    symlinkSync(path.join(base, 'elsewhere'), path.join(root, 'linked-dir'));
    mkdirSync(path.join(root, 'real-dir'));
    symlinkSync('real-dir', path.join(root, 'inner-link'));
    writeFileSync(path.join(root, 'real-dir', 'a.md'), 'x');

    expect(await refusal('passwd.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('alias.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('zero.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('fifo.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('hard.md')).toBe(WorkspaceErrorCode.HardLink);
    expect(await refusal('huge.md')).toBe(WorkspaceErrorCode.TooLarge);
    expect(await refusal('linked-dir/SKILL.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('inner-link/a.md')).toBe(WorkspaceErrorCode.SpecialFile);
    expect(await refusal('../secret.txt')).toBe(WorkspaceErrorCode.OutsideWorkspace);
    expect(await refusal('/etc/passwd')).toBe(WorkspaceErrorCode.OutsideWorkspace);
    expect(await refusal('a\0b')).toBe(WorkspaceErrorCode.OutsideWorkspace);
  });

  it('refuses a character device node inside the workspace', async () => {
    try {
      execFileSync('mknod', [path.join(root, 'null.md'), 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      return; // not allowed to make device nodes here (not root): the link-to-device case covers it
    }
    expect(await refusal('null.md')).toBe(WorkspaceErrorCode.SpecialFile);
  });
});

describe('host-side readers', () => {
  const logger = pino({ level: 'silent' });

  it('ignore rules: a FIFO or a link as .gitignore is skipped without hanging', async () => {
    execFileSync('mkfifo', [path.join(root, '.gitignore')]);
    const ignored = await settles('ignore rules with a FIFO .gitignore', loadIgnoreMatcher(root));
    expect(ignored('x.log', false)).toBe(false);
    expect(ignored('node_modules/x', false)).toBe(true);
    rmSync(path.join(root, '.gitignore'));
    writeFileSync(path.join(base, 'outside-ignore'), '*\n');
    symlinkSync(path.join(base, 'outside-ignore'), path.join(root, '.gitignore'));
    expect((await loadIgnoreMatcher(root))('x.log', false)).toBe(false);
  });

  it('instructions and skills: links to /etc/passwd, FIFOs and /dev/zero are never read', async () => {
    const workspaces = new WorkspaceManager({ workspaceRoot: path.join(base, 'data', 'ws') });
    const config = { dataDir: path.join(base, 'data') } as AppConfig;
    const project = await workspaces.get('ten_a', 'prj_a');
    symlinkSync('/etc/passwd', path.join(project.root, 'AGENTS.md'));
    execFileSync('mkfifo', [path.join(project.root, 'CLAUDE.md')]);
    writeFileSync(path.join(project.root, 'CONTEXT.md'), 'real context');
    mkdirSync(path.join(project.root, '.opencode', 'skill', 'a'), { recursive: true });
    mkdirSync(path.join(project.root, '.opencode', 'skill', 'b'), { recursive: true });
    mkdirSync(path.join(project.root, '.opencode', 'skill', 'c'), { recursive: true });
    symlinkSync('/etc/passwd', path.join(project.root, '.opencode', 'skill', 'a', 'SKILL.md'));
    execFileSync('mkfifo', [path.join(project.root, '.opencode', 'skill', 'b', 'SKILL.md')]);
    symlinkSync('/dev/zero', path.join(project.root, '.opencode', 'skill', 'c', 'SKILL.md'));
    const instructions = await settles(
      'instructions beside a FIFO',
      new InstructionService(workspaces, config, logger).load('ten_a', project.root, [
        'notes/*.md',
        '.opencode/skill/*/SKILL.md',
      ]),
    );
    const skills = await settles(
      'skills beside a FIFO',
      new SkillService(workspaces, config, logger).list('ten_a', project.root),
    );
    expect(instructions.map((i) => i.content)).toEqual(['real context']);
    expect(JSON.stringify(instructions)).not.toContain('root:');
    expect(skills).toEqual([]);
  });

  it('snapshots: the workspace exclude file is not followed, and a FIFO .gitignore fails fast instead of hanging git', async () => {
    const box = createSandbox();
    try {
      box.write('a.txt', 'a');
      mkdirSync(path.join(box.workspace, '.git', 'info'), { recursive: true });
      symlinkSync('/dev/zero', path.join(box.workspace, '.git', 'info', 'exclude'));
      const snapshot = box.snapshot({ timeoutMs: 20_000 });
      expect(await snapshot.track()).toMatch(/^[0-9a-f]{40}$/);
      execFileSync('mkfifo', [path.join(box.workspace, 'sub-.gitignore')]);
      mkdirSync(path.join(box.workspace, 'sub'));
      execFileSync('mv', [path.join(box.workspace, 'sub-.gitignore'), path.join(box.workspace, 'sub', '.gitignore')]);
      await expect(settles('a snapshot beside a FIFO .gitignore', snapshot.track())).rejects.toMatchObject({
        code: SnapshotErrorCode.SpecialFile,
      });
    } finally {
      box.cleanup();
    }
  });
});
