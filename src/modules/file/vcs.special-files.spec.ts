import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { HostToolTimeoutError, runHostTool } from '../../core/process/host-tool';
import type { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import type { ProjectWorkspaceService } from './project-workspace.service';
import { VcsUnsafeFileError } from './vcs.errors';
import { VcsService } from './vcs.service';

// A student controls every byte of their workspace, special files included. With SANDBOX=off the vcs routes run
// git on the host, where a FIFO named `.gitignore` (or one inside `.git`) blocks git's open() until it is killed:
// the route must refuse at once, naming the file, and never start git on such a workspace.

const auth: AuthContext = { tenantId: 'ten_1', userId: 'usr_1', role: 'student', platformAdmin: false };
const GIT_ENV = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
let base: string;
let root: string;
let vcs: VcsService;

function git(...args: string[]) {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root, env: GIT_ENV });
}

beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'vcs-special-'));
  root = path.join(base, 'ws');
  mkdirSync(root);
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(root, 'a.txt'), 'one\n');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'first');
  writeFileSync(path.join(root, 'a.txt'), 'one\ntwo\n');
  const workspace = {
    root,
    tenantId: auth.tenantId,
    readText: (file: string) => readFile(path.join(root, file), 'utf8'),
  };
  const runner = new SandboxRunner({ mode: 'off', stateDir: path.join(base, 'state') });
  const policy = { identity: () => ({ uid: 61000, gid: 61000 }) } as unknown as SandboxPolicy;
  vcs = new VcsService({ open: async () => workspace } as unknown as ProjectWorkspaceService, runner, policy);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function refusal(call: () => Promise<unknown>): Promise<{ name: string; status: number; path: unknown }> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VcsUnsafeFileError);
  const e = error as VcsUnsafeFileError;
  return { name: e.errorName, status: e.status, path: e.details.path };
}

describe('vcs routes with SANDBOX=off on a workspace holding special files', () => {
  it('control: git runs and reports the change of a plain repository', async () => {
    expect(await vcs.status(auth)).toEqual([{ file: 'a.txt', additions: 1, deletions: 0, status: 'modified' }]);
    expect(await vcs.info(auth)).toEqual({ branch: 'main', default_branch: 'main' });
  });

  it('a FIFO .gitignore (root or nested) is refused with a 409 naming it, for every vcs route', async () => {
    execFileSync('mkfifo', [path.join(root, '.gitignore')]);
    const expected = { name: 'VcsUnsafeFileError', status: 409, path: '.gitignore' };
    expect(await refusal(() => vcs.status(auth))).toEqual(expected);
    expect(await refusal(() => vcs.diff(auth, undefined, 'git'))).toEqual(expected);
    expect(await refusal(() => vcs.fileStatus(auth))).toEqual(expected);
    expect(await refusal(() => vcs.info(auth))).toEqual(expected);
    rmSync(path.join(root, '.gitignore'));
    mkdirSync(path.join(root, 'deep', 'er'), { recursive: true });
    execFileSync('mkfifo', [path.join(root, 'deep', 'er', '.gitattributes')]);
    expect(await refusal(() => vcs.diff(auth, undefined, 'branch'))).toMatchObject({ path: 'deep/er/.gitattributes' });
  });

  it('special files and links inside .git are refused: a FIFO, a link to a device, a FIFO HEAD', async () => {
    execFileSync('mkfifo', [path.join(root, '.git', 'info', 'exclude.fifo')]);
    expect(await refusal(() => vcs.status(auth))).toMatchObject({ path: '.git/info/exclude.fifo' });
    rmSync(path.join(root, '.git', 'info', 'exclude.fifo'));
    rmSync(path.join(root, '.git', 'info', 'exclude'), { force: true });
    symlinkSync('/dev/zero', path.join(root, '.git', 'info', 'exclude'));
    expect(await refusal(() => vcs.status(auth))).toMatchObject({ path: '.git/info/exclude' });
    rmSync(path.join(root, '.git', 'info', 'exclude'));
    rmSync(path.join(root, '.git', 'HEAD'));
    execFileSync('mkfifo', [path.join(root, '.git', 'HEAD')]);
    expect(await refusal(() => vcs.info(auth))).toMatchObject({ path: '.git/HEAD' });
  });

  it('a huge or `**`-heavy .gitignore is refused too (git would read it whole, or backtrack exponentially)', async () => {
    writeFileSync(path.join(root, '.gitignore'), '**/a/**/b/**/c/**/d/**/e\n');
    expect(await refusal(() => vcs.status(auth))).toMatchObject({ path: '.gitignore' });
    writeFileSync(path.join(root, '.gitignore'), 'x'.repeat(65 * 1024));
    expect(await refusal(() => vcs.status(auth))).toMatchObject({ path: '.gitignore' });
    writeFileSync(path.join(root, '.gitignore'), 'build/\n');
    expect((await vcs.status(auth)).map((s) => s.file)).toEqual(['.gitignore', 'a.txt']);
  });
});

describe('host-tool timeouts', () => {
  it('a host tool blocked on a FIFO is killed at its timeout and reported as such', async () => {
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    // `git hash-object` opens the file: on a FIFO with no writer that open() never returns.
    const run = runHostTool('/usr/bin/git', ['hash-object', '--', 'pipe'], { cwd: root, env: GIT_ENV, timeoutMs: 300 });
    await expect(run).rejects.toBeInstanceOf(HostToolTimeoutError);
  });
});
