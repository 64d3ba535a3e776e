import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { sleep } from './time';

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first output line matching `pattern`; rejects on exit or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * With the kernel's autogroup scheduling on (`/proc/sys/kernel/sched_autogroup_enabled`), CPU is shared between
 * sessions first and `nice` only orders processes inside one: the detached server is a session of its own, at the
 * default weight, however the bench was niced. It gets the bench's own session weight instead (`setsid` + `echo -10
 * > /proc/self/autogroup` before the bench gives both the priority the bench lock intends). Best effort.
 */
function inheritAutogroupNice(pid: number): void {
  try {
    const nice = /nice\s+(-?\d+)/.exec(fs.readFileSync('/proc/self/autogroup', 'utf8'))?.[1];
    if (nice !== undefined && nice !== '0') fs.writeFileSync(`/proc/${pid}/autogroup`, nice);
  } catch {
    // no autogroups here, or not allowed to raise the priority: the default weight
  }
}

/**
 * Spawns a server in its own process group (so its helpers, e.g. OpenCode's git processes, go with it) and
 * copies stdout/stderr into `logFile` while watching them for a readiness line.
 */
export function startProcess(command: string, args: string[], options: SpawnOptions & { logFile: string }): ServerProcess {
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (!child.pid) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  inheritAutogroupNice(pid);
  let recent = '';
  const watchers = new Set<(line: string) => void>();
  let exited: string | undefined;
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    recent += chunk.toString('utf8');
    const lines = recent.split('\n');
    recent = lines.pop() ?? '';
    for (const line of lines) for (const w of watchers) w(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exitWaiters = new Set<() => void>();
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    for (const w of exitWaiters) w();
  });
  child.on('close', () => log.end());

  return {
    child,
    pid,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`${command} ${exited} before printing ${pattern} (log: ${options.logFile})`));
        const done = () => {
          watchers.delete(watch);
          exitWaiters.delete(onExit);
          clearTimeout(timer);
        };
        const watch = (line: string) => {
          if (pattern.test(line)) (done(), resolve(line));
        };
        const onExit = () => (done(), reject(new Error(`${command} ${exited} before printing ${pattern} (log: ${options.logFile})`)));
        const timer = setTimeout(() => (done(), reject(new Error(`${command} printed no ${pattern} within ${timeoutMs} ms (log: ${options.logFile})`))), timeoutMs);
        watchers.add(watch);
        exitWaiters.add(onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      const gone = new Promise<void>((resolve) => exitWaiters.add(resolve));
      signalGroup(pid, 'SIGTERM');
      const deadline = sleep(graceMs).then(() => 'late' as const);
      if ((await Promise.race([gone.then(() => 'ok' as const), deadline])) === 'late') {
        signalGroup(pid, 'SIGKILL');
        await Promise.race([gone, sleep(2000)]);
      }
      // Helpers that outlived the leader (same group) get the same treatment.
      signalGroup(pid, 'SIGKILL');
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** VmRSS of one process in KiB, or undefined when it is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PSS of one process in KiB (smaps_rollup): its private pages plus its share of the pages it shares (libraries,
 * PostgreSQL's shared buffers), so a sum over processes counts each page once. Undefined when it is gone.
 */
export function pssKiB(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** PSS of a process plus all its descendants: the memory the process tree costs the machine. */
export function treePssKiB(root: number): number | undefined {
  return treeRssKiB(root, pssKiB);
}

/** RSS of a process plus all its descendants (children found through /proc/<pid>/stat's ppid field). */
export function treeRssKiB(root: number, measure: (pid: number) => number | undefined = rssKiB): number | undefined {
  const parent = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
    } catch {
      // raced with an exiting process
    }
  }
  const members = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) if (!members.has(pid) && members.has(ppid)) (members.add(pid), (grew = true));
  }
  let total = 0;
  for (const pid of members) total += measure(pid) ?? 0;
  return measure(root) === undefined ? undefined : total;
}

/** utime + stime of one process in ms (/proc/<pid>/stat, USER_HZ 100), or undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
