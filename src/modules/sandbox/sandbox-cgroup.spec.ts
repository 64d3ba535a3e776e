import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunCgroup, detectCgroupSupport } from './sandbox-cgroup';
import { SandboxRunner } from './sandbox-runner.service';
import { sandboxUsable, testSandboxRunner } from './testing/sandbox-test-runner';

// Per-run limits: one cgroup v2 per run where the deployment delegates a folder (SANDBOX_CGROUP), per-process
// rlimits otherwise. This machine runs cgroup v1, so the kernel's enforcement of memory.max/pids.max/cpu.max is not
// exercised here: the detection, the fallback, the per-run files and the wiring are (against a cgroup-shaped
// folder), and so are the rlimits every sandboxed run really gets.

const identity = { uid: 61002, gid: 61002 };
let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-cgroup-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** A folder shaped like a cgroup v2 mount with a delegated child offering `controllers`. */
function fakeHierarchy(controllers = 'cpuset cpu io memory pids', enabled = 'cpu memory pids') {
  const root = join(base, 'cgroup');
  const delegated = join(root, 'opencode-runs');
  mkdirSync(delegated, { recursive: true });
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  writeFileSync(join(delegated, 'cgroup.controllers'), `${controllers}\n`);
  writeFileSync(join(delegated, 'cgroup.subtree_control'), `${enabled}\n`);
  return { root, delegated };
}

describe('cgroup v2 detection', () => {
  it('on this host: rlimits only, with the reason (cgroup v1, or no delegated folder configured)', async () => {
    const support = await detectCgroupSupport(undefined);
    expect(support).toMatchObject({ kind: 'rlimit', base: null });
    expect(support.reason).toMatch(/cgroup v2 is not mounted|no delegated cgroup v2 folder/);
    const v1 = await detectCgroupSupport('/sys/fs/cgroup/opencode-runs', join(base, 'no-cgroup2-here'));
    expect(v1.reason).toMatch(/cgroup v2 is not mounted/);
  });

  it('uses a delegated folder that offers and passes on memory, pids and cpu', async () => {
    const { root, delegated } = fakeHierarchy();
    expect(await detectCgroupSupport(delegated, root)).toEqual({ kind: 'cgroup2', base: delegated, reason: null });
  });

  it('falls back to rlimits, saying why, for every folder it cannot use', async () => {
    const { root, delegated } = fakeHierarchy('cpuset io pids');
    expect((await detectCgroupSupport(delegated, root)).reason).toMatch(/does not offer the memory, cpu controller/);
    expect((await detectCgroupSupport('/etc', root)).reason).toMatch(/is not a folder of the cgroup v2 mount/);
    expect((await detectCgroupSupport('relative/dir', root)).kind).toBe('rlimit');
    expect((await detectCgroupSupport(join(root, 'missing'), root)).reason).toMatch(/is not a cgroup folder/);
    expect((await detectCgroupSupport(undefined, root)).reason).toMatch(/SANDBOX_CGROUP/);
    // Controllers offered but not passed on, and the write that would enable them does not take.
    const other = fakeHierarchy('cpu memory pids', '');
    expect((await detectCgroupSupport(other.delegated, other.root)).reason).toMatch(/did not pass/);
  });
});

describe('a run cgroup', () => {
  it('gets memory.max, memory.swap.max, pids.max and cpu.max from the run limits', async () => {
    const { delegated } = fakeHierarchy();
    const group = await RunCgroup.create(delegated, { memoryBytes: 512 * 1024 ** 2, processes: 64, cpus: 1 });
    const read = (file: string) => readFileSync(join(group.path, file), 'utf8');
    expect([read('memory.max'), read('memory.swap.max'), read('pids.max'), read('cpu.max')]).toEqual([
      String(512 * 1024 ** 2),
      '0',
      '64',
      '100000 100000',
    ]);
    expect(group.wrap(['/usr/bin/bwrap', '--', 'true'])).toEqual([
      '/bin/sh',
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      group.path,
      '/usr/bin/bwrap',
      '--',
      'true',
    ]);
  });
});

describe('sandboxed runs and their limits', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = join(base, 'workspace');
    mkdirSync(workspace);
    chownSync(workspace, identity.uid, identity.gid);
  });

  it('rlimits (the fallback) are really applied inside the sandbox, hard limits included', async () => {
    const runner = testSandboxRunner({ stateDir: join(base, 'state'), identity });
    if (!(await sandboxUsable())) return expect((await runner.status()).state).toBe('unavailable');
    expect((await runner.status()).limits).toMatchObject({ kind: 'rlimit', cgroup: null });
    const result = await runner.run({
      command: 'cat /proc/self/limits',
      cwd: workspace,
      workspaceRoot: workspace,
      limits: { processes: 77, memoryBytes: 512 * 1024 ** 2, cpuSeconds: 9, fileBytes: 12_345_678 },
    });
    const limit = (name: string) => new RegExp(`^${name}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(result.output)?.slice(1, 3);
    expect(limit('Max processes')).toEqual(['77', '77']);
    expect(limit('Max address space')).toEqual([String(512 * 1024 ** 2), String(512 * 1024 ** 2)]);
    expect(limit('Max cpu time')).toEqual(['9', '10']);
    expect(limit('Max file size')).toEqual(['12345678', '12345678']);
    expect(limit('Max core file size')).toEqual(['0', '0']);
  });

  it('with a delegated folder each run enters its own cgroup before bwrap starts, and /ready says so', async () => {
    const { root, delegated } = fakeHierarchy();
    const runner: SandboxRunner = testSandboxRunner({
      stateDir: join(base, 'state'),
      identity,
      cgroupBase: delegated,
      cgroupRoot: root,
    });
    if (!(await sandboxUsable())) return expect((await runner.status()).state).toBe('unavailable');
    expect((await runner.status()).limits).toEqual({ kind: 'cgroup2', cgroup: delegated, reason: null });
    const result = await runner.run({
      command: 'echo inside',
      cwd: workspace,
      workspaceRoot: workspace,
      limits: { processes: 50, memoryBytes: 300 * 1024 ** 2 },
    });
    expect(result.output).toContain('inside');
    // The folder is not a real cgroup, so its files stay behind (a real one is removed when empty): read them.
    const runs = readdirSync(delegated).filter((name) => name.startsWith('run-'));
    expect(runs).toHaveLength(1);
    const dir = join(delegated, runs[0]);
    expect(readFileSync(join(dir, 'pids.max'), 'utf8')).toBe('50');
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(300 * 1024 ** 2));
    // The shell that became bwrap wrote its pid first: every process of the run is born inside.
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim()).toMatch(/^\d+$/);
    expect(existsSync(join(dir, 'cpu.max'))).toBe(true);
  });
});
