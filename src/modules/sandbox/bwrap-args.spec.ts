import { buildBwrapArgs, type BwrapPlan } from './bwrap-args';
import { SandboxLimitsSchema } from './sandbox.types';
import {
  DENIED_SYSCALLS,
  ENOSYS,
  EPERM,
  RET_ALLOW,
  RET_ERRNO,
  auditArch,
  evaluateSeccomp,
  ptraceIsSafe,
  sandboxSeccompFilter,
  syscallNumber,
} from './seccomp-filter';

const plan = (extra: Partial<BwrapPlan> = {}): BwrapPlan => ({
  workspaceRoot: '/srv/data/workspaces/ten_1/prj_1',
  cwd: '/srv/data/workspaces/ten_1/prj_1/src',
  identity: { uid: 61000, gid: 61000 },
  dropPrivileges: true,
  limits: SandboxLimitsSchema.parse({ processes: 64, memoryBytes: 1024, cpuSeconds: 10, fileBytes: 2048 }),
  passwdFile: '/state/etc/passwd',
  groupFile: '/state/etc/group',
  extraReadOnly: [],
  env: { PATH: '/usr/bin', HOME: '/tmp' },
  argv: ['/bin/bash', '-c', 'echo "$HOME"'],
  ...extra,
});

/** Pairs like `--bind SRC DEST` as [src, dest]. */
function mounts(args: string[], flag: string): [string, string][] {
  const found: [string, string][] = [];
  args.forEach((arg, index) => arg === flag && found.push([args[index + 1], args[index + 2]]));
  return found;
}

describe('buildBwrapArgs', () => {
  it('binds only the workspace read-write, at its own path, with traversable parents', () => {
    const args = buildBwrapArgs(plan());
    expect(mounts(args, '--bind')).toEqual([['/srv/data/workspaces/ten_1/prj_1', '/srv/data/workspaces/ten_1/prj_1']]);
    const dirs = args.flatMap((arg, index) => (arg === '--dir' ? [args[index + 1]] : []));
    expect(dirs).toEqual(
      expect.arrayContaining(['/srv', '/srv/data', '/srv/data/workspaces', '/srv/data/workspaces/ten_1']),
    );
    expect(args.slice(args.indexOf('--chdir'), args.indexOf('--chdir') + 2)).toEqual([
      '--chdir',
      '/srv/data/workspaces/ten_1/prj_1/src',
    ]);
  });

  it('binds the system read-only and never /root, /home, the data dir or private keys', () => {
    const args = buildBwrapArgs(plan());
    const readOnly = [...mounts(args, '--ro-bind'), ...mounts(args, '--ro-bind-try')].map(([source]) => source);
    expect(readOnly).toContain('/usr');
    expect(readOnly).toContain('/etc/ssl/certs');
    for (const forbidden of [
      '/root',
      '/home',
      '/srv/data',
      '/etc',
      '/etc/ssl',
      '/etc/shadow',
      '/etc/gitconfig',
      '/var',
    ]) {
      expect(readOnly).not.toContain(forbidden);
    }
    expect(mounts(args, '--ro-bind')).toEqual(expect.arrayContaining([['/state/etc/passwd', '/etc/passwd']]));
  });

  it('unshares every namespace but the user one, the network always', () => {
    const offline = buildBwrapArgs(plan());
    for (const flag of [
      '--unshare-ipc',
      '--unshare-pid',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--unshare-net',
      '--die-with-parent',
      '--new-session',
    ]) {
      expect(offline).toContain(flag);
    }
    expect(offline).not.toContain('--unshare-user');
    expect(offline).not.toContain('/etc/resolv.conf');
    // With the filtered network, still its own namespace, and slirp's resolver instead of the host's.
    const online = buildBwrapArgs(plan({ resolvConf: '/state/etc/resolv.conf' }));
    expect(online).toContain('--unshare-net');
    expect(mounts(online, '--ro-bind')).toEqual(
      expect.arrayContaining([['/state/etc/resolv.conf', '/etc/resolv.conf']]),
    );
  });

  it('sets the caps, then drops to the identity with no capabilities, then runs the shell', () => {
    const args = buildBwrapArgs(plan());
    expect(args.slice(args.indexOf('--') + 1)).toEqual([
      '/usr/bin/prlimit',
      '--nproc=64:64',
      '--as=1024:1024',
      '--cpu=10:11',
      '--fsize=2048:2048',
      '--core=0:0',
      '--',
      '/usr/bin/setpriv',
      '--reuid=61000',
      '--regid=61000',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
      '/bin/bash',
      '-c',
      'echo "$HOME"',
    ]);
  });

  it('can first hand the workspace to the identity, as root inside the sandbox, then exec the rest', () => {
    const args = buildBwrapArgs(plan({ grantWorkspace: true }));
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(inner[2]).toContain('-execdir chown -h 61000:61000 {} +');
    expect(inner[2]).toMatch(/exec "\$@"$/);
    expect(inner[3]).toBe('/srv/data/workspaces/ten_1/prj_1');
    expect(inner[4]).toBe('/usr/bin/prlimit');
  });

  it('uses a user namespace and keeps its own uid when the server is not root', () => {
    const args = buildBwrapArgs(plan({ dropPrivileges: false }));
    expect(args).toContain('--unshare-user');
    expect(args).not.toContain('/usr/bin/setpriv');
  });

  it('passes only the given environment', () => {
    const args = buildBwrapArgs(plan());
    expect(args).toContain('--clearenv');
    expect(mounts(args, '--setenv')).toEqual([
      ['PATH', '/usr/bin'],
      ['HOME', '/tmp'],
    ]);
  });
});

describe('sandboxSeccompFilter', () => {
  it('exists for x64 and arm64 and not elsewhere', () => {
    expect(sandboxSeccompFilter('x64')).not.toBeNull();
    expect(sandboxSeccompFilter('arm64')).not.toBeNull();
    expect(sandboxSeccompFilter('ppc64')).toBeNull();
  });

  // The kernel's decision for each syscall, computed by running the program bytes bwrap receives.
  for (const arch of ['x64', 'arm64'] as const) {
    const program = sandboxSeccompFilter(arch, { allowPtrace: false })!;
    const audit = auditArch(arch)!;
    const decide = (nr: number, arg0 = 0) => evaluateSeccomp(program, { arch: audit, nr, arg0 });

    it(`${arch}: refuses every listed syscall with EPERM`, () => {
      for (const name of DENIED_SYSCALLS)
        expect([name, decide(syscallNumber(name, arch)!)]).toEqual([name, RET_ERRNO | EPERM]);
    });

    it(`${arch}: allows ordinary calls, and clone/unshare without namespace flags`, () => {
      const ordinary = arch === 'x64' ? [0, 1, 2, 3, 9, 59, 60, 61, 231] : [63, 64, 56, 57, 222, 221, 93, 94, 260];
      for (const nr of ordinary) expect(decide(nr)).toBe(RET_ALLOW);
      expect(decide(syscallNumber('clone', arch)!, 0x01200011)).toBe(RET_ALLOW); // fork(): CLONE_CHILD_SETTID|CLEARTID|SIGCHLD
      expect(decide(syscallNumber('unshare', arch)!, 0x00000400)).toBe(RET_ALLOW); // CLONE_FILES
    });

    it(`${arch}: refuses each new namespace through clone and unshare, and clone3 as ENOSYS`, () => {
      for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
        expect(decide(syscallNumber('clone', arch)!, flag | 17)).toBe(RET_ERRNO | EPERM);
        expect(decide(syscallNumber('unshare', arch)!, flag)).toBe(RET_ERRNO | EPERM);
      }
      expect(decide(syscallNumber('unshare', arch)!, 0x80)).toBe(RET_ERRNO | EPERM); // CLONE_NEWTIME
      expect(decide(syscallNumber('clone3', arch)!)).toBe(RET_ERRNO | ENOSYS);
    });

    it(`${arch}: refuses a foreign ABI (e.g. int 0x80) outright`, () => {
      expect(evaluateSeccomp(program, { arch: 0x40000003, nr: 1 })).toBe(RET_ERRNO | EPERM);
    });
  }

  it('x64: refuses x32 aliases', () => {
    const program = sandboxSeccompFilter('x64')!;
    expect(evaluateSeccomp(program, { arch: auditArch('x64')!, nr: 0x40000000 | 1 })).toBe(RET_ERRNO | EPERM);
  });

  it("ptrace follows Docker's rule: refused before Linux 4.8, allowed since", () => {
    expect(ptraceIsSafe('4.4.0-generic')).toBe(false);
    expect(ptraceIsSafe('4.8.0')).toBe(true);
    expect(ptraceIsSafe('6.18.44-fc')).toBe(true);
    const allowing = sandboxSeccompFilter('x64', { allowPtrace: true })!;
    expect(evaluateSeccomp(allowing, { arch: auditArch('x64')!, nr: syscallNumber('ptrace', 'x64')! })).toBe(RET_ALLOW);
  });
});
