// The seccomp program, proven with real bubblewrap: it refuses what a student's program has no use for (the
// per-run caps — fork bomb, memory hog, cpu spin, disk filler — are proven in sandbox-runner.spec.ts). Without a
// usable bubblewrap (SANDBOX_BWRAP=/nonexistent) each probe is refused with the typed error instead.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxRunner } from './sandbox-runner.service';
import { SandboxUnavailableError } from './sandbox.errors';
import type { SandboxRunInput } from './sandbox.types';
import { DENIED_SYSCALLS, ptraceIsSafe, syscallNumber, type DeniedSyscall } from './seccomp-filter';
import { sandboxUsable, testSandboxRunner } from './testing/sandbox-test-runner';

const identity = { uid: 61004, gid: 61004 };
let base: string;
let workspace: string;
let runner: SandboxRunner;
let usable: boolean;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-seccomp-'));
  workspace = join(base, 'workspace');
  mkdirSync(workspace, { recursive: true });
  chownSync(workspace, identity.uid, identity.gid);
  runner = testSandboxRunner({ stateDir: join(base, 'state'), identity });
  usable = await sandboxUsable();
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Runs in the sandbox; without bubblewrap asserts the typed refusal and returns null. */
async function run(command: string, extra: Partial<SandboxRunInput> = {}) {
  const attempt = runner.run({ command, cwd: workspace, workspaceRoot: workspace, timeoutMs: 20_000, ...extra });
  if (usable) return attempt;
  await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
  return null;
}

/**
 * Arguments for each probe: harmless, and chosen so that without the filter most calls fail with something other
 * than EPERM (a bad pointer, a bad fd, bad flags), so EPERM inside is the filter's answer, not the kernel's.
 */
const PROBE_ARGS: Record<DeniedSyscall, number[]> = {
  mount: [0, 0, 1, 0, 0],
  umount2: [0, 0xffff],
  pivot_root: [0, 0],
  fsopen: [0, 0],
  fsconfig: [-1, 0, 0, 0, 0],
  fsmount: [-1, 0, 0],
  fspick: [-1, 0, 0],
  move_mount: [-1, 0, -1, 0, 0],
  open_tree: [-1, 0, 0],
  mount_setattr: [-1, 0, 0, 0, 0],
  setns: [-1, 0],
  swapon: [0, 0],
  swapoff: [0],
  reboot: [0, 0, 0, 0],
  kexec_load: [0, 0, 0, 0],
  kexec_file_load: [-1, -1, 0, 0, 0],
  init_module: [0, 0, 0],
  finit_module: [-1, 0, 0],
  delete_module: [0, 0],
  acct: [0],
  quotactl: [0, 0, 0, 0],
  quotactl_fd: [-1, 0, 0, 0],
  nfsservctl: [0, 0, 0],
  keyctl: [0, 0, 0, 0, 0],
  add_key: [0, 0, 0, 0, 0],
  request_key: [0, 0, 0, 0],
  bpf: [0, 0, 0],
  perf_event_open: [0, 0, -1, -1, 0],
  userfaultfd: [0],
  fanotify_init: [0, 0],
  io_uring_setup: [0, 0],
  io_uring_enter: [-1, 0, 0, 0, 0, 0],
  io_uring_register: [-1, 0, 0, 0],
  open_by_handle_at: [-1, 0, 0],
  name_to_handle_at: [-1, 0, 0, 0, 0],
  lookup_dcookie: [0, 0, 0],
  settimeofday: [0, 0],
  clock_settime: [0, 0],
  clock_adjtime: [0, 0],
  syslog: [10, 0, 0],
  vhangup: [],
  process_vm_readv: [1, 0, 0, 0, 0, 0],
  process_vm_writev: [1, 0, 0, 0, 0, 0],
  pidfd_getfd: [-1, 0, 0],
  kcmp: [0, 0, 0, 0, 0],
  move_pages: [0, 0, 0, 0, 0, 0],
  mbind: [0, 0, 0, 0, 0, 0],
  set_mempolicy: [0, 0, 0],
  get_mempolicy: [0, 0, 0, 0, 0],
  ptrace: [-1, 0, 0, 0],
};
const EXTRA_PROBES: [string, number, number[]][] = [
  ['unshare(CLONE_NEWUSER)', syscallNumber('unshare')!, [0x10000000]],
  ['unshare(CLONE_NEWNET)', syscallNumber('unshare')!, [0x40000000]],
  ['unshare(CLONE_NEWNS)', syscallNumber('unshare')!, [0x00020000]],
];

/** A perl script (perl-base is always there on Debian) printing `name errno` per probe. */
function probeScript(probes: [string, number, number[]][]): string {
  const lines = probes.map(
    ([name, nr, args]) => `$!=0; syscall(${[nr, ...args].join(', ')}); print "${name} ", $!+0, "\\n";`,
  );
  return lines.join(' ');
}

describe('seccomp: the syscalls a student program has no use for are refused (real bwrap)', () => {
  const denied = DENIED_SYSCALLS.filter((name) => name !== 'ptrace' || !ptraceIsSafe());
  const probes: [string, number, number[]][] = [
    ...denied.map((name): [string, number, number[]] => [name, syscallNumber(name)!, PROBE_ARGS[name]]),
    ...EXTRA_PROBES,
  ];
  const parse = (text: string) =>
    Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );

  it('each listed call answers EPERM inside, and most would not have without the filter', async () => {
    if (syscallNumber('mount') === undefined) throw new Error(`no syscall table for ${process.arch}`);
    const script = probeScript(probes);
    // Control: the same probes as an unprivileged uid on the host, no seccomp.
    const control = parse(
      execFileSync('setpriv', ['--reuid=61005', '--regid=61005', '--clear-groups', 'perl', '-e', script], {
        encoding: 'utf8',
      }),
    );
    const result = await run(`perl -e '${script}'; grep -E '^Seccomp(_filters)?:' /proc/self/status`);
    if (!result) return;
    const inside = parse(
      result.output
        .split('\n')
        .filter((line) => !line.startsWith('Seccomp'))
        .join('\n'),
    );
    for (const [name] of probes) expect([name, inside[name]]).toEqual([name, '1']);
    // Where the kernel alone answers EPERM too (capability checks), the decision is proven in bwrap-args.spec.ts
    // by running the same program bytes; here most calls show the filter's hand directly.
    const changedByFilter = probes.filter(([name]) => control[name] !== '1').map(([name]) => name);
    expect(changedByFilter.length).toBeGreaterThanOrEqual(30);
    expect(changedByFilter).toEqual(
      expect.arrayContaining([
        'io_uring_setup',
        'keyctl',
        'add_key',
        'request_key',
        'bpf',
        'perf_event_open',
        'mount',
        'umount2',
        'setns',
        'process_vm_readv',
        'unshare(CLONE_NEWUSER)',
      ]),
    );
    expect(result.output).toMatch(/^Seccomp:\t2$/m);
  });

  it('ordinary work still runs: fork, exec, pipes, a socket', async () => {
    const result = await run(
      `echo a | tr a b; (sleep 0.1 &) ; perl -e 'socket(my $s, 2, 1, 0) or die "socket: $!"; print "socket ok\\n"'`,
    );
    if (!result) return;
    expect(result.output).toBe('b\nsocket ok\n');
    expect(result.exitCode).toBe(0);
  });
});
