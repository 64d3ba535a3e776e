// The embedded PostgreSQL's cluster and server: initdb (or a copy of the saved snapshot), the postmaster's settings,
// start and stop, and the schema steps. Which folder, who owns it and what is left over from a killed server is
// embedded-postgres.ts's business.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { stopPostmaster, writeLauncher, type PgBinaries, type RunAs } from './embedded-postgres.process';

/** Something that owns tables in the embedded database and brings them up to date (Prisma's migrations, BullMQ's). */
export interface SchemaStep {
  name: string;
  /** Changes whenever `apply` would create something new: it keys the snapshots below. */
  version: string;
  apply(client: pg.Client): Promise<unknown>;
}

export const EMBEDDED_DATABASE = 'opencode';
const USER = 'opencode';
export const EMBEDDED_PORT = 5432;

// Small 1 MB WAL segments: a new cluster is 30 MB instead of 45, so copying the snapshot is quick.
const INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale=C',
  '--no-sync',
  '--no-instructions',
  '--wal-segsize=1',
  `--username=${USER}`,
  '--auth=trust',
];

/**
 * Sized for one laptop: a school's demo or a teacher's trial, a few sessions at a time. Durability: a persistent
 * cluster keeps fsync on (a power cut cannot corrupt it) with synchronous_commit off (it may lose the last
 * fraction of a second of commits); a throwaway cluster skips fsync entirely, since nothing survives it anyway.
 */
export function serverSettings(dir: string, throwaway: boolean): string[] {
  const settings: Record<string, string | number> = {
    listen_addresses: '',
    unix_socket_directories: dir,
    unix_socket_permissions: '0700',
    port: EMBEDDED_PORT,
    max_connections: 64,
    shared_buffers: '16MB',
    work_mem: '4MB',
    maintenance_work_mem: '16MB',
    wal_level: 'minimal',
    max_wal_senders: 0,
    max_wal_size: '64MB',
    min_wal_size: '8MB',
    synchronous_commit: 'off',
    fsync: throwaway ? 'off' : 'on',
    full_page_writes: throwaway ? 'off' : 'on',
    jit: 'off',
    huge_pages: 'off',
    max_worker_processes: 4,
    max_parallel_workers_per_gather: 0,
    max_logical_replication_workers: 0,
    autovacuum_max_workers: 1,
    log_min_messages: 'warning',
    log_checkpoints: 'off',
    timezone: 'UTC',
  };
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/**
 * What a snapshot holds besides the schema: bump it when that changes (2: only the WAL segments needed; 3: owned by
 * the server's user, who copies it).
 */
const SNAPSHOT_LAYOUT = '3';

/** Every step's name and version: what a cluster brought up to date by them holds. */
export function schemaVersion(steps: SchemaStep[]): string {
  const hash = createHash('sha256');
  for (const step of steps) hash.update(step.name).update(step.version);
  return hash.digest('hex');
}

function snapshotKey(bins: PgBinaries, steps: SchemaStep[]): string {
  const hash = createHash('sha256').update(bins.version).update(INITDB_FLAGS.join(' ')).update(EMBEDDED_DATABASE);
  hash.update(SNAPSHOT_LAYOUT);
  for (const step of steps) hash.update(step.name).update(step.version);
  return hash.digest('hex').slice(0, 16);
}

function spawnAs(
  file: string,
  args: string[],
  user: RunAs | undefined,
  stdio: ('ignore' | 'pipe' | number)[],
): ChildProcess {
  const options = {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    stdio,
    // Its own process group: a terminal's Ctrl-C reaches the server first, which stops the database after
    // the workers have drained.
    detached: true,
  };
  if (!user?.view) return spawn(file, args, { ...options, ...(user ? { uid: user.uid, gid: user.gid } : {}) });
  const view = user.view;
  // Still root in a private mount namespace: a small tmpfs, the folders bound into it, then the user's own program
  // (unshare, sh and setpriv each exec the next, so the pid is the postmaster's). Paths are the namespace's.
  const mounts = view.mounts.flatMap((m) => [m.host, m.inside, m.readOnly ? 'ro' : 'rw']);
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=0755,size=64k opencode-pg "$0"',
    'while [ "$1" != -- ]; do',
    '  mkdir "$2"; mount --bind "$1" "$2"',
    '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi',
    '  shift 3',
    'done',
    'shift',
    'exec "$@"',
  ].join('\n');
  const inside = (a: string) =>
    view.mounts.reduce((arg, m) => arg.replace(new RegExp(`${escapeRegExp(m.host)}(?=/|$)`, 'g'), m.inside), a);
  return spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, view.root, ...mounts, '--'].concat(
      ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', inside(file)],
      args.map(inside),
    ),
    options,
  );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function initdb(bins: PgBinaries, dataDir: string, user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(path.join(bins.bin, 'initdb'), [`--pgdata=${dataDir}`, ...INITDB_FLAGS], user, [
      'ignore',
      'pipe',
      'pipe',
    ]);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}):\n${out.slice(-2000)}`)),
    );
  });
}

/**
 * `sh -c` script: $1 the saved cluster, $2 a side folder, $3 the data folder, then the postmaster's command. Waits for a
 * line on stdin before copying (see launch()); the postmaster gets /dev/null as its stdin.
 */
export const COPY_THEN_START = 'read go && cp -R "$1" "$2" && mv -T "$2" "$3" && shift 3 && exec "$@" </dev/null';

export interface Server {
  process: ChildProcess;
  exited: boolean;
}

/**
 * Starts the postmaster and waits until its lock file says "ready". `copyFrom`: a saved cluster to copy into the data
 * folder first, by a `cp` in the same child process (as the server's user, so no chown), which then becomes the
 * postmaster: the copy and the server's start-up run beside this process's own start-up (main.ts loads the app's
 * modules meanwhile) without needing its event loop between the two.
 */
export async function launch(
  bins: PgBinaries,
  dir: string,
  throwaway: boolean,
  user: RunAs | undefined,
  copyFrom?: string,
): Promise<Server> {
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const log = fs.openSync(logFile, 'w', 0o600);
  const postgres = [path.join(bins.bin, 'postgres'), '-D', dataDir, ...serverSettings(dir, throwaway)];
  const child = copyFrom
    ? spawnAs(
        '/bin/sh',
        // Into a side folder of this attempt's own first: a copy cut short leaves no data folder that looks like a
        // cluster, and a copy that outlived a killed server (stopped by the next start: stopLauncher) writes nowhere
        // near this one's. `mv -T` never moves a folder into an existing one. The copy waits for a line on stdin,
        // sent once the launcher is recorded: a server killed before that leaves a shell that reads end-of-file
        // and copies nothing, never a copy the next start does not know of.
        ['-c', COPY_THEN_START, 'sh'].concat(
          copyFrom,
          `${dataDir}.new-${randomBytes(4).toString('hex')}`,
          dataDir,
          postgres,
        ),
        user,
        ['pipe', log, log],
      )
    : spawnAs(postgres[0], postgres.slice(1), user, ['ignore', log, log]);
  fs.closeSync(log);
  if (copyFrom) {
    child.stdin!.on('error', () => undefined); // a shell that failed to start: its exit is handled below
    if (child.pid) writeLauncher(dir, child.pid);
    child.stdin!.end('go\n');
  }
  const server: Server = { process: child, exited: false };
  child.on('exit', () => (server.exited = true));
  const lockFile = path.join(dataDir, 'postmaster.pid');
  for (const started = Date.now(); ;) {
    if (server.exited || Date.now() - started > 60_000) {
      if (!server.exited) await stopPostmaster(child.pid!, () => server.exited);
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`The embedded PostgreSQL did not start (log: ${logFile}):\n${tail}`);
    }
    // Line 8 of postmaster.pid is the server's state; "ready" once it accepts connections.
    const status = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8').split('\n')[7]?.trim() : undefined;
    if (status === 'ready') return server;
    await new Promise((r) => setTimeout(r, 15));
  }
}

export async function stopServer(server: Server): Promise<void> {
  if (!server.exited && server.process.pid) await stopPostmaster(server.process.pid, () => server.exited);
}

export function embeddedUrl(dir: string, database = EMBEDDED_DATABASE): string {
  return `postgresql://${USER}@localhost/${database}?host=${encodeURIComponent(dir)}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function applySchema(url: string, steps: SchemaStep[]): Promise<void> {
  if (steps.length)
    await withClient(url, async (c) => {
      for (const step of steps) await step.apply(c);
    });
}

/** The saved cluster for this server build and schema, when there is one (a new cluster is then a copy of it). */
export function savedSnapshot(bins: PgBinaries, steps: SchemaStep[], templateDir?: string): string | undefined {
  if (!templateDir) return undefined;
  const snapshot = path.join(templateDir, `pg-${snapshotKey(bins, steps)}`);
  return fs.existsSync(path.join(snapshot, 'PG_VERSION')) ? snapshot : undefined;
}

/**
 * A new cluster without a snapshot: initdb, the database and every schema step, and then (stopped, so its files are
 * consistent) saved as the snapshot for the next new cluster.
 */
export async function createCluster(
  bins: PgBinaries,
  dir: string,
  opts: { schema?: SchemaStep[]; templateDir?: string },
  throwaway: boolean,
  user: RunAs | undefined,
): Promise<void> {
  const dataDir = path.join(dir, 'data');
  await initdb(bins, dataDir, user);
  const server = await launch(bins, dir, throwaway, user);
  let walInUse: string;
  try {
    await withClient(embeddedUrl(dir, 'postgres'), (c) => c.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`));
    await applySchema(embeddedUrl(dir), opts.schema ?? []);
    walInUse = await withClient(embeddedUrl(dir), async (c) => {
      const r = await c.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS f');
      return r.rows[0].f;
    });
  } finally {
    await stopServer(server);
  }
  if (opts.templateDir)
    saveSnapshot(dataDir, path.join(opts.templateDir, `pg-${snapshotKey(bins, opts.schema ?? [])}`), walInUse, user);
}

/**
 * After a clean stop only the WAL segment holding the shutdown checkpoint is needed: the snapshot keeps the one in
 * use at the stop and the one after it, not the segments the server had recycled ahead (about 10 of its 12 MB).
 */
function neededWal(walDir: string, inUse: string): Set<string> {
  const segments = fs
    .readdirSync(walDir)
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .sort();
  return new Set(segments.filter((f) => f >= inUse).slice(0, 2));
}

/** Hands a folder and everything in it to the server's user. */
function chownTree(dir: string, user: RunAs): void {
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, user);
    else fs.chownSync(p, user.uid, user.gid);
  }
}

/**
 * Best effort: a read-only or full disk only costs the next new cluster its initdb. Owned by the server's user (its
 * modes stay the cluster's 0700/0600), who copies it into each new cluster.
 */
function saveSnapshot(dataDir: string, snapshot: string, walInUse: string, user: RunAs | undefined): void {
  const partial = `${snapshot}.${process.pid}.partial`;
  try {
    fs.mkdirSync(path.dirname(snapshot), { recursive: true });
    const walDir = path.join(dataDir, 'pg_wal');
    const wal = neededWal(walDir, walInUse);
    fs.cpSync(dataDir, partial, {
      recursive: true,
      filter: (src) =>
        !/postmaster\.(pid|opts)$/.test(src) &&
        !(path.dirname(src) === walDir && /^[0-9A-F]{24}$/.test(path.basename(src)) && !wal.has(path.basename(src))),
    });
    if (user) chownTree(partial, user);
    fs.renameSync(partial, snapshot);
    // Snapshots of older migrations or server builds will not be read again.
    for (const other of fs.readdirSync(path.dirname(snapshot))) {
      const file = path.join(path.dirname(snapshot), other);
      if (/^(pg-[0-9a-f]{16}|pglite-[0-9a-f]{16}\.tar)$/.test(other) && file !== snapshot)
        fs.rmSync(file, { recursive: true, force: true });
    }
  } catch {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
