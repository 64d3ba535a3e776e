import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxLimits } from './sandbox.types';

/** The controllers a per-run cgroup needs: whole-run memory, process count and CPU share. */
const NEEDED = ['memory', 'pids', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;

/** How runs are capped: a cgroup v2 per run (whole-run memory, pids, cpu) or per-process rlimits only. */
export interface CgroupSupport {
  kind: 'cgroup2' | 'rlimit';
  /** The delegated folder each run's cgroup is made in (cgroup2 only). */
  base: string | null;
  /** Why rlimits only, when so. */
  reason: string | null;
}

/** Whole-run limits, on top of the per-process rlimits that always apply. */
export interface RunCgroupLimits {
  memoryBytes: number;
  processes: number;
  /** Share of one CPU, e.g. 1 = one full core. */
  cpus: number;
}

/**
 * Whether per-run cgroups can be made under `base` (a delegated cgroup v2 folder the deployment gives the server,
 * `SANDBOX_CGROUP`): it must be on the unified hierarchy, writable, offer memory, pids and cpu, and pass them on to
 * its children (`cgroup.subtree_control`, enabled here when the folder allows it). Anything else: rlimits only,
 * with the reason. `root` is the cgroup mount point, a parameter so the detection can be tested here (cgroup v1).
 */
export async function detectCgroupSupport(base: string | undefined, root = '/sys/fs/cgroup'): Promise<CgroupSupport> {
  const rlimit = (reason: string): CgroupSupport => ({ kind: 'rlimit', base: null, reason });
  if (!existsSync(join(root, 'cgroup.controllers')))
    return rlimit(`cgroup v2 is not mounted at ${root} (cgroup v1 or hybrid host): per-process rlimits only`);
  if (!base) return rlimit('no delegated cgroup v2 folder configured (SANDBOX_CGROUP): per-process rlimits only');
  if (!isAbsolute(base) || !(base === root || base.startsWith(`${root}/`)))
    return rlimit(`SANDBOX_CGROUP ${base} is not a folder of the cgroup v2 mount ${root}`);
  const controllers = readWords(join(base, 'cgroup.controllers'));
  if (controllers === null) return rlimit(`${base} is not a cgroup folder`);
  const missing = NEEDED.filter((name) => !controllers.includes(name));
  if (missing.length) return rlimit(`${base} does not offer the ${missing.join(', ')} controller(s)`);
  let enabled = readWords(join(base, 'cgroup.subtree_control')) ?? [];
  const toEnable = NEEDED.filter((name) => !enabled.includes(name));
  if (toEnable.length) {
    // Refused when the folder itself holds processes (cgroup v2's no-internal-processes rule) or is not ours.
    try {
      await writeFile(join(base, 'cgroup.subtree_control'), toEnable.map((name) => `+${name}`).join(' '));
    } catch (error) {
      return rlimit(`cannot enable ${toEnable.join(', ')} for runs under ${base}: ${(error as Error).message}`);
    }
    enabled = readWords(join(base, 'cgroup.subtree_control')) ?? [];
    if (NEEDED.some((name) => !enabled.includes(name)))
      return rlimit(`${base} did not pass ${NEEDED.join(', ')} on to its children`);
  }
  return { kind: 'cgroup2', base, reason: null };
}

/** The whole-run limits that follow from a run's rlimits: all its processes together get one process's memory. */
export function runCgroupLimits(limits: SandboxLimits): RunCgroupLimits {
  return { memoryBytes: limits.memoryBytes, processes: limits.processes, cpus: 1 };
}

/** One run's cgroup: made before the run starts, removed after it ended (its processes are gone with the namespace). */
export class RunCgroup {
  private constructor(readonly path: string) {}

  static async create(base: string, limits: RunCgroupLimits): Promise<RunCgroup> {
    const path = join(base, `run-${randomUUID()}`);
    await mkdir(path);
    const group = new RunCgroup(path);
    try {
      await writeFile(join(path, 'memory.max'), String(limits.memoryBytes));
      // No swap: a run at its memory cap is killed, not paged out at the other schools' expense.
      await writeFile(join(path, 'memory.swap.max'), '0').catch(() => undefined);
      await writeFile(join(path, 'pids.max'), String(limits.processes));
      await writeFile(join(path, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    } catch (error) {
      await group.remove();
      throw error;
    }
    return group;
  }

  /**
   * argv that enters this cgroup and then execs `argv`: the shell writes its own pid to `cgroup.procs` before
   * bubblewrap exists, so every process of the run is born inside (no window in which a fork escapes).
   */
  wrap(argv: string[]): string[] {
    return ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.path, ...argv];
  }

  /** rmdir once empty; the kernel may take a moment to reap the last processes of a killed namespace. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const error = await rmdir(this.path).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      );
      if (!error || error.code === 'ENOENT' || error.code === 'ENOTEMPTY') return;
      await sleep(50);
    }
  }
}

function readWords(path: string): string[] | null {
  try {
    return readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return null;
  }
}
