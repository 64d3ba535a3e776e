// A classic-BPF seccomp program for bwrap's --seccomp: the sandboxed command may not create user namespaces.
// Without it an unprivileged process can still `unshare -r` into a namespace where it is "root", which opens
// kernel attack surface (mounts, netfilter, ...) that a school server doesn't need to expose.

const LD_ABS_W = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const CLONE_NEWUSER = 0x10000000;
/** x32 syscalls on x86_64 carry this bit; refusing them closes the alias route to the same calls. */
const X32_BIT = 0x40000000;

/** seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits, little-endian). */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0 = 16;

const ARCHES: Partial<Record<NodeJS.Architecture, { audit: number; clone: number; unshare: number; clone3: number }>> = {
  x64: { audit: 0xc000003e, clone: 56, unshare: 272, clone3: 435 },
  arm64: { audit: 0xc00000b7, clone: 220, unshare: 97, clone3: 435 },
};

type Instruction = [code: number, jt: number, jf: number, k: number];

/**
 * The filter as bytes for `--seccomp FD`, or null on an architecture we have no syscall table for.
 * clone3 gets ENOSYS because its flags live in memory BPF can't read; libc then falls back to clone.
 */
export function userNamespaceFilter(arch: NodeJS.Architecture = process.arch): Buffer | null {
  const table = ARCHES[arch];
  if (!table) return null;
  const program: Instruction[] = [
    /* 0 */ [LD_ABS_W, 0, 0, OFFSET_ARCH],
    /* 1 */ [JEQ_K, 1, 0, table.audit],
    /* 2 */ [RET_K, 0, 0, RET_ERRNO | EPERM], // foreign ABI (e.g. int 0x80): refuse everything
    /* 3 */ [LD_ABS_W, 0, 0, OFFSET_NR],
    /* 4 */ [JGE_K, 7, 0, X32_BIT], // → 12
    /* 5 */ [JEQ_K, 7, 0, table.clone3], // → 13
    /* 6 */ [JEQ_K, 2, 0, table.unshare], // → 9
    /* 7 */ [JEQ_K, 1, 0, table.clone], // → 9
    /* 8 */ [RET_K, 0, 0, RET_ALLOW],
    /* 9 */ [LD_ABS_W, 0, 0, OFFSET_ARG0],
    /* 10 */ [JSET_K, 1, 0, CLONE_NEWUSER], // → 12
    /* 11 */ [RET_K, 0, 0, RET_ALLOW],
    /* 12 */ [RET_K, 0, 0, RET_ERRNO | EPERM],
    /* 13 */ [RET_K, 0, 0, RET_ERRNO | ENOSYS],
  ];
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], index) => {
    buffer.writeUInt16LE(code, index * 8);
    buffer.writeUInt8(jt, index * 8 + 2);
    buffer.writeUInt8(jf, index * 8 + 3);
    buffer.writeUInt32LE(k >>> 0, index * 8 + 4);
  });
  return buffer;
}
