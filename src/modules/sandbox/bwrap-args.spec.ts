import { buildBwrapArgs, type BwrapPlan } from './bwrap-args';
import { SandboxLimitsSchema } from './sandbox.types';
import { userNamespaceFilter } from './seccomp-filter';

const plan = (extra: Partial<BwrapPlan> = {}): BwrapPlan => ({
  workspaceRoot: '/srv/data/workspaces/ten_1/prj_1',
  cwd: '/srv/data/workspaces/ten_1/prj_1/src',
  network: false,
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
    expect(dirs).toEqual(expect.arrayContaining(['/srv', '/srv/data', '/srv/data/workspaces', '/srv/data/workspaces/ten_1']));
    expect(args.slice(args.indexOf('--chdir'), args.indexOf('--chdir') + 2)).toEqual(['--chdir', '/srv/data/workspaces/ten_1/prj_1/src']);
  });

  it('binds the system read-only and never /root, /home, the data dir or private keys', () => {
    const args = buildBwrapArgs(plan());
    const readOnly = [...mounts(args, '--ro-bind'), ...mounts(args, '--ro-bind-try')].map(([source]) => source);
    expect(readOnly).toContain('/usr');
    expect(readOnly).toContain('/etc/ssl/certs');
    for (const forbidden of ['/root', '/home', '/srv/data', '/etc', '/etc/ssl', '/etc/shadow', '/etc/gitconfig', '/var']) {
      expect(readOnly).not.toContain(forbidden);
    }
    expect(mounts(args, '--ro-bind')).toEqual(expect.arrayContaining([['/state/etc/passwd', '/etc/passwd']]));
  });

  it('unshares every namespace but the user one, and the network unless allowed', () => {
    const offline = buildBwrapArgs(plan());
    for (const flag of ['--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net', '--die-with-parent', '--new-session']) {
      expect(offline).toContain(flag);
    }
    expect(offline).not.toContain('--unshare-user');
    const online = buildBwrapArgs(plan({ network: true }));
    expect(online).not.toContain('--unshare-net');
    expect(online).toContain('/etc/resolv.conf');
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

describe('userNamespaceFilter', () => {
  it('is a 14-instruction program for x64 and arm64 and absent elsewhere', () => {
    expect(userNamespaceFilter('x64')?.length).toBe(14 * 8);
    expect(userNamespaceFilter('arm64')?.length).toBe(14 * 8);
    expect(userNamespaceFilter('ppc64')).toBeNull();
  });

  it('checks the architecture first and refuses CLONE_NEWUSER', () => {
    const program = userNamespaceFilter('x64')!;
    expect(program.readUInt32LE(12)).toBe(0xc000003e);
    expect(program.readUInt32LE(10 * 8 + 4)).toBe(0x10000000);
  });
});
