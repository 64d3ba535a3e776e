// The classic-BPF seccomp program bwrap loads (--seccomp) just before it executes the command. It refuses what a
// student's program has no use for and what widens the kernel's attack surface — the same families Docker's
// default profile leaves out: new namespaces (clone/unshare with CLONE_NEW*, setns), mounts, modules, kexec,
// keyrings, bpf, perf, userfaultfd, io_uring, handle-based opens, clock and swap changes, another process's memory.
import { release } from 'node:os';

const LD_ABS_W = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

export const RET_ALLOW = 0x7fff0000;
export const RET_ERRNO = 0x00050000;
export const EPERM = 1;
export const ENOSYS = 38;

/** Every CLONE_NEW* flag clone() can carry: mount, cgroup, uts, ipc, user, pid, net. */
const CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
/** unshare() also takes CLONE_NEWTIME (0x80; in clone()'s flags that byte is the exit signal). */
const UNSHARE_NEW_FLAGS = CLONE_NEW_FLAGS | 0x00000080;
/** x32 syscalls on x86_64 carry this bit; refusing them closes the alias route to the same calls. */
const X32_BIT = 0x40000000;

/** seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits, little-endian). */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0 = 16;

/** The syscalls refused outright, by name; the numbers per architecture are below. */
export const DENIED_SYSCALLS = [
  'mount',
  'umount2',
  'pivot_root',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'move_mount',
  'open_tree',
  'mount_setattr',
  'setns',
  'swapon',
  'swapoff',
  'reboot',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'acct',
  'quotactl',
  'quotactl_fd',
  'nfsservctl',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'fanotify_init',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'open_by_handle_at',
  'name_to_handle_at',
  'lookup_dcookie',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'syslog',
  'vhangup',
  'process_vm_readv',
  'process_vm_writev',
  'pidfd_getfd',
  'kcmp',
  'move_pages',
  'mbind',
  'set_mempolicy',
  'get_mempolicy',
  'ptrace',
] as const;
export type DeniedSyscall = (typeof DENIED_SYSCALLS)[number];

interface ArchTable {
  audit: number;
  clone: number;
  unshare: number;
  clone3: number;
  /** x86_64 only: syscalls that exist only there. */
  extra?: Record<string, number>;
  syscalls: Record<DeniedSyscall, number>;
}

const ARCHES: Partial<Record<NodeJS.Architecture, ArchTable>> = {
  x64: {
    audit: 0xc000003e,
    clone: 56,
    unshare: 272,
    clone3: 435,
    extra: {
      iopl: 172,
      ioperm: 173,
      uselib: 134,
      ustat: 136,
      sysfs: 139,
      _sysctl: 156,
      create_module: 174,
      get_kernel_syms: 177,
      query_module: 178,
    },
    syscalls: {
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      move_mount: 429,
      open_tree: 428,
      mount_setattr: 442,
      setns: 308,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      acct: 163,
      quotactl: 179,
      quotactl_fd: 443,
      nfsservctl: 180,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      fanotify_init: 300,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      open_by_handle_at: 304,
      name_to_handle_at: 303,
      lookup_dcookie: 212,
      settimeofday: 164,
      clock_settime: 227,
      clock_adjtime: 305,
      syslog: 103,
      vhangup: 153,
      process_vm_readv: 310,
      process_vm_writev: 311,
      pidfd_getfd: 438,
      kcmp: 312,
      move_pages: 279,
      mbind: 237,
      set_mempolicy: 238,
      get_mempolicy: 239,
      ptrace: 101,
    },
  },
  // asm-generic numbering.
  arm64: {
    audit: 0xc00000b7,
    clone: 220,
    unshare: 97,
    clone3: 435,
    syscalls: {
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      move_mount: 429,
      open_tree: 428,
      mount_setattr: 442,
      setns: 268,
      swapon: 224,
      swapoff: 225,
      reboot: 142,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      acct: 89,
      quotactl: 60,
      quotactl_fd: 443,
      nfsservctl: 42,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      fanotify_init: 262,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      open_by_handle_at: 265,
      name_to_handle_at: 264,
      lookup_dcookie: 18,
      settimeofday: 170,
      clock_settime: 112,
      clock_adjtime: 266,
      syslog: 116,
      vhangup: 58,
      process_vm_readv: 270,
      process_vm_writev: 271,
      pidfd_getfd: 438,
      kcmp: 272,
      move_pages: 239,
      mbind: 235,
      set_mempolicy: 237,
      get_mempolicy: 236,
      ptrace: 117,
    },
  },
};

/** The syscall number of a denied call on an architecture (for tests and docs). */
export function syscallNumber(
  name: DeniedSyscall | 'clone' | 'unshare' | 'clone3',
  arch: NodeJS.Architecture = process.arch,
): number | undefined {
  const table = ARCHES[arch];
  if (!table) return undefined;
  if (name === 'clone' || name === 'unshare' || name === 'clone3') return table[name];
  return table.syscalls[name];
}

/**
 * Docker's rule for ptrace: refused before Linux 4.8, where a traced process could slip past seccomp; allowed
 * since, so gdb and strace work on the sandbox's own processes (the pid namespace and the shared uid are all
 * they can see).
 */
export function ptraceIsSafe(kernelRelease: string = release()): boolean {
  const [major, minor] = kernelRelease.split('.').map((part) => Number.parseInt(part, 10));
  return major > 4 || (major === 4 && minor >= 8);
}

type Instruction = [code: number, jt: number | string, jf: number | string, k: number];

/**
 * The filter as bytes for `--seccomp FD`, or null on an architecture we have no syscall table for. clone3 gets
 * ENOSYS because its flags live in memory BPF can't read; libc then falls back to clone, whose flags it can.
 */
export function sandboxSeccompFilter(
  arch: NodeJS.Architecture = process.arch,
  options: { allowPtrace?: boolean } = {},
): Buffer | null {
  const table = ARCHES[arch];
  if (!table) return null;
  const allowPtrace = options.allowPtrace ?? ptraceIsSafe();
  const denied = [
    ...Object.entries(table.syscalls)
      .filter(([name]) => name !== 'ptrace' || !allowPtrace)
      .map(([, nr]) => nr),
    ...Object.values(table.extra ?? {}),
  ];
  const program: Instruction[] = [
    [LD_ABS_W, 0, 0, OFFSET_ARCH],
    [JEQ_K, 1, 0, table.audit],
    [RET_K, 0, 0, RET_ERRNO | EPERM], // foreign ABI (e.g. int 0x80 on x86_64): refuse everything
    [LD_ABS_W, 0, 0, OFFSET_NR],
    [JGE_K, 'deny', 0, X32_BIT],
    [JEQ_K, 'enosys', 0, table.clone3],
    [JEQ_K, 'unshare', 0, table.unshare],
    [JEQ_K, 'clone', 0, table.clone],
    ...denied.map((nr): Instruction => [JEQ_K, 'deny', 0, nr]),
    [RET_K, 0, 0, RET_ALLOW],
    /* unshare: */ [LD_ABS_W, 0, 0, OFFSET_ARG0],
    [JSET_K, 'deny', 'allow', UNSHARE_NEW_FLAGS],
    /* clone: */ [LD_ABS_W, 0, 0, OFFSET_ARG0],
    [JSET_K, 'deny', 'allow', CLONE_NEW_FLAGS],
    /* allow: */ [RET_K, 0, 0, RET_ALLOW],
    /* deny: */ [RET_K, 0, 0, RET_ERRNO | EPERM],
    /* enosys: */ [RET_K, 0, 0, RET_ERRNO | ENOSYS],
  ];
  const end = program.length;
  const labels: Record<string, number> = {
    unshare: end - 7,
    clone: end - 5,
    allow: end - 3,
    deny: end - 2,
    enosys: end - 1,
  };
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], index) => {
    const offset = (target: number | string) => (typeof target === 'number' ? target : labels[target] - index - 1);
    buffer.writeUInt16LE(code, index * 8);
    buffer.writeUInt8(offset(jt), index * 8 + 2);
    buffer.writeUInt8(offset(jf), index * 8 + 3);
    buffer.writeUInt32LE(k >>> 0, index * 8 + 4);
  });
  return buffer;
}

/**
 * Runs a program the way the kernel does, for one syscall: what the filter decides (RET_ALLOW, or
 * RET_ERRNO | errno). Only the instructions this module emits are understood.
 */
export function evaluateSeccomp(program: Buffer, call: { arch: number; nr: number; arg0?: number }): number {
  let pc = 0;
  let acc = 0;
  const data = Buffer.alloc(24);
  data.writeUInt32LE(call.nr >>> 0, OFFSET_NR);
  data.writeUInt32LE(call.arch >>> 0, OFFSET_ARCH);
  data.writeUInt32LE((call.arg0 ?? 0) >>> 0, OFFSET_ARG0);
  for (let steps = 0; steps < program.length / 8; steps++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === RET_K) return k;
    if (code === LD_ABS_W) acc = data.readUInt32LE(k);
    const taken = code === JEQ_K ? acc === k : code === JGE_K ? acc >= k : code === JSET_K ? (acc & k) !== 0 : null;
    pc += 1 + (taken === null ? 0 : taken ? jt : jf);
  }
  throw new Error('seccomp program did not return');
}

/** The audit arch value the kernel reports for an architecture. */
export function auditArch(arch: NodeJS.Architecture = process.arch): number | undefined {
  return ARCHES[arch]?.audit;
}
