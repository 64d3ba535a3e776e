import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { HOST_PATH } from './sandbox-confine';
import { attachNetwork, type NetworkTools } from './sandbox-network';
import { killNamespace, type SandboxedProcess } from './sandbox-process';
import type { RunCgroup } from './sandbox-cgroup';
import { SandboxUnavailableError } from './sandbox.errors';
import { sandboxSeccompFilter } from './seccomp-filter';

/** The command's stdin (stdout and stderr are pipes), or a terminal's slave as all three. */
export type BwrapStdin = 'ignore' | 'pipe' | { terminal: number };

export interface BwrapSpawnOptions {
  /** null: not installed. */
  bwrapPath: string | null;
  /** Needed with `network`: slirp4netns, nft and nsenter. */
  networkTools: NetworkTools | null;
  stdin?: BwrapStdin;
  /** Attach the filtered network before the command starts. */
  network?: { userns: boolean };
  /** The run's own cgroup v2, entered before bwrap starts. */
  cgroup?: RunCgroup;
}

/**
 * Starts bwrap. With `network`, bwrap holds the sandbox (--block-fd) until slirp4netns is attached to its
 * namespace and the egress filter is loaded; if either fails the namespace is killed before the command starts.
 */
export function spawnBwrap(args: string[], options: BwrapSpawnOptions): SandboxedProcess {
  const { bwrapPath, stdin = 'ignore', network } = options;
  if (bwrapPath === null) throw new SandboxUnavailableError('bubblewrap (bwrap) is not installed');
  // Never the server's environment: bwrap's helper stays PID 1 in the sandbox and keeps what it was given.
  const env = { PATH: HOST_PATH, HOME: '/', TERM: 'dumb', LANG: 'C.UTF-8' };
  const filter = sandboxSeccompFilter();
  // Extra pipes from fd 3 on: the seccomp program (bwrap reads it to EOF before any setup), bwrap's info JSON
  // (which names the pid namespace's init as seen from here), and the fd the sandbox waits on.
  const fds = { seccomp: filter ? 3 : -1, info: filter ? 4 : 3, block: -1 };
  if (network) fds.block = fds.info + 1;
  const prefix = [
    ...(filter ? ['--seccomp', String(fds.seccomp)] : []),
    '--info-fd',
    String(fds.info),
    ...(network ? ['--block-fd', String(fds.block)] : []),
  ];
  const std: ('ignore' | 'pipe' | number)[] =
    typeof stdin === 'object' ? [stdin.terminal, stdin.terminal, stdin.terminal] : [stdin, 'pipe', 'pipe'];
  const stdio = [...std, ...Array<'pipe'>(Math.max(fds.info, fds.block) - 2).fill('pipe')];
  const argv = options.cgroup ? options.cgroup.wrap([bwrapPath, ...prefix, ...args]) : [bwrapPath, ...prefix, ...args];
  const child = spawn(argv[0], argv.slice(1), { env, detached: true, stdio });
  if (filter) {
    const channel = child.stdio[fds.seccomp] as Writable;
    channel.on('error', () => undefined);
    channel.end(filter);
  }
  const info = child.stdio[fds.info] as Readable;
  const nsInit = new Promise<number | null>((resolve) => {
    let text = '';
    info.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const pid = /"child-pid"\s*:\s*(\d+)/.exec(text)?.[1];
      if (pid) resolve(Number(pid));
    });
    info.on('error', () => resolve(null));
    info.on('close', () => resolve(null));
    child.once('exit', () => resolve(null));
  });
  const spawned: SandboxedProcess = { process: child, kill: () => killNamespace(child, nsInit) };
  if (network)
    spawned.setup = connect(
      child,
      nsInit,
      child.stdio[fds.block] as Writable,
      { ...network, tools: options.networkTools! },
      spawned,
    );
  return spawned;
}

/** Attaches the filtered network, then lets the sandbox go on; on failure kills it and says why. */
async function connect(
  child: ChildProcess,
  nsInit: Promise<number | null>,
  block: Writable,
  network: { userns: boolean; tools: NetworkTools },
  spawned: SandboxedProcess,
): Promise<string | null> {
  block.on('error', () => undefined);
  const pid = await nsInit;
  if (pid === null) return null;
  try {
    const attached = await attachNetwork(pid, network.tools, { userns: network.userns });
    if (child.exitCode !== null || child.signalCode !== null) attached.stop();
    else child.once('exit', () => attached.stop());
    spawned.networkLost = attached.lost;
    block.end('go');
    return null;
  } catch (error) {
    spawned.kill();
    return `The sandbox's network could not be set up, so the command did not run: ${(error as Error).message}`;
  }
}
