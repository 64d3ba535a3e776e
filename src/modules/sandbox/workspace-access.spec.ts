import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxRunner } from './sandbox-runner.service';
import { grantWorkspace, identityForTenant } from './workspace-access';

const identity = { uid: 61004, gid: 61004 };
let base: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'workspace-access-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('grantWorkspace', () => {
  it('hands root-created folders and files to the identity, but not link targets or multiply-linked files', async () => {
    const workspace = join(base, 'ws');
    mkdirSync(join(workspace, 'src', 'deep'), { recursive: true, mode: 0o700 });
    writeFileSync(join(workspace, 'src', 'deep', 'a.ts'), 'a');
    const outside = join(base, 'outside.txt');
    writeFileSync(outside, 'outside');
    symlinkSync(outside, join(workspace, 'link.txt'));
    linkSync(outside, join(workspace, 'hard.txt'));

    await grantWorkspace(workspace, identity);

    for (const path of [
      workspace,
      join(workspace, 'src'),
      join(workspace, 'src', 'deep'),
      join(workspace, 'src', 'deep', 'a.ts'),
    ]) {
      expect(statSync(path)).toMatchObject({ uid: 61004, gid: 61004 });
    }
    expect(lstatSync(join(workspace, 'link.txt'))).toMatchObject({ uid: 61004 });
    expect(statSync(outside)).toMatchObject({ uid: 0, gid: 0 });
  });

  it('lets a sandboxed command write into what the server created as root with 0700', async () => {
    const workspace = join(base, 'ws2');
    mkdirSync(join(workspace, 'made-by-write-tool'), { recursive: true });
    chmodSync(workspace, 0o700);
    chmodSync(join(workspace, 'made-by-write-tool'), 0o700);
    writeFileSync(join(workspace, 'made-by-write-tool', 'notes.md'), 'one\n', { mode: 0o600 });
    const runner = new SandboxRunner({ stateDir: join(base, 'state'), identity });
    const result = await runner.run({
      command: 'echo two >> made-by-write-tool/notes.md && cat made-by-write-tool/notes.md',
      cwd: workspace,
      workspaceRoot: workspace,
    });
    expect(result.output).toBe('one\ntwo\n');
  });
});

describe('identityForTenant', () => {
  it('is stable per tenant, inside the range and different across tenants', () => {
    const a = identityForTenant('ten_a');
    expect(identityForTenant('ten_a')).toEqual(a);
    expect(a.uid).toBeGreaterThanOrEqual(200_000);
    expect(a.uid).toBeLessThan(300_000);
    expect(a.gid).toBe(a.uid);
    expect(identityForTenant('ten_b').uid).not.toBe(a.uid);
  });
});

describe('SandboxRunner.pruneOutputs', () => {
  it('deletes spilled outputs older than the cutoff only', async () => {
    const runner = new SandboxRunner({ stateDir: join(base, 'state'), identity });
    const old = join(base, 'state', 'output', 'old.log');
    const fresh = join(base, 'state', 'output', 'fresh.log');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    const eightDaysAgo = (Date.now() - 8 * 24 * 3600_000) / 1000;
    utimesSync(old, eightDaysAgo, eightDaysAgo);
    expect(await runner.pruneOutputs()).toBe(1);
    expect(() => statSync(old)).toThrow();
    expect(statSync(fresh).isFile()).toBe(true);
  });
});

it('keeps the chown helper away from the real root', () => {
  // Guard against a refactor passing '/' through: the runner refuses it before grantWorkspace could run.
  const runner = new SandboxRunner({ stateDir: join(base, 'state'), identity });
  return expect(runner.run({ command: 'true', cwd: '/', workspaceRoot: '/' })).rejects.toThrow(/file system root/);
});
