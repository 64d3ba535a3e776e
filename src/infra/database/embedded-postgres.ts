import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applySchema,
  createCluster,
  EMBEDDED_PORT,
  embeddedUrl,
  launch,
  savedSnapshot,
  schemaVersion,
  stopServer,
  type SchemaStep,
  type Server,
} from './embedded-postgres.cluster';
import {
  embeddedView,
  ownerAlive,
  pgBinaries,
  readOwner,
  runAsUser,
  runningPostmaster,
  stopLauncher,
  stopPostmaster,
  writeOwner,
} from './embedded-postgres.process';

// Zero-setup mode: a real PostgreSQL 17 from the `embedded-postgres` platform package, run as a child process.
// Only the binaries are used: the package's own manager hooks SIGINT/SIGTERM/uncaught exceptions to stop the
// server (before our shutdown has drained the workers) and listens on TCP with a fixed password.
//
// Layout of a cluster folder (DATA_DIR/postgres, or a throwaway one in the temp dir):
//   data/            the cluster (initdb's files), owned by the user the server runs as, mode 0700
//   .s.PGSQL.5432    the only way in: a Unix socket in this 0700 folder, no TCP listener at all
//   owner.json       the opencode-api process that runs it (a second server on the folder is refused)
//   postgres.log     the server's warnings and errors

export interface EmbeddedPostgres {
  url: string;
  /** The cluster folder (socket, data, log). */
  dir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster folder. Unset: a throwaway cluster in the temp dir, removed when stopped. */
  dir?: string;
  /** Applied in order at every start; each must be a no-op when its schema is current. */
  schema?: SchemaStep[];
  /**
   * Where a freshly initialised and migrated cluster is kept. A new cluster is a copy of it instead of an initdb
   * (about 2 s) plus every migration.
   */
  templateDir?: string;
  /** The server's warnings and errors, and what this module does to leftover servers. */
  onLog?: (level: 'info' | 'warn', message: string) => void;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Unix socket paths are limited to 107 bytes on Linux (103 on macOS). */
const MAX_SOCKET_PATH = 100;
const TEMP_PREFIX = 'opencode-pg-';
const SHM = '/dev/shm';
/** A cluster is copied at 34 MB and grows by its WAL segments (16 MB each): memory only with this much room. */
const SHM_MIN_FREE = 1024 ** 3;

/**
 * Where a throwaway cluster goes: memory (/dev/shm) when it is there with room, else the temp dir. A new cluster is
 * about 1,500 small files, and on a disk slow to create files that copy is most of a boot (1.2-1.4 s on the machine
 * the benchmarks run on, 65 ms in memory). A container's /dev/shm (64 MB by default) is too small: the temp dir.
 */
export function throwawayRoot(shm = SHM, minFree = SHM_MIN_FREE): string {
  try {
    const st = fs.statfsSync(shm);
    fs.accessSync(shm, fs.constants.W_OK);
    if (st.bavail * st.bsize >= minFree) return shm;
  } catch {
    // no /dev/shm (macOS), or not ours to write
  }
  return os.tmpdir();
}

/** Throwaway clusters whose server was killed (no stop, no exit handler): stop their postmaster, remove them. */
async function sweepThrowaways(onLog: EmbeddedPostgresOptions['onLog']): Promise<void> {
  for (const tmp of new Set([os.tmpdir(), ...(fs.existsSync(SHM) ? [SHM] : [])])) await sweepIn(tmp, onLog);
}

async function sweepIn(tmp: string, onLog: EmbeddedPostgresOptions['onLog']): Promise<void> {
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, name);
    try {
      const owner = readOwner(dir);
      if (ownerAlive(owner) || (!owner && Date.now() - fs.statSync(dir).mtimeMs < 60_000)) continue;
      await stopLauncher(dir);
      const pid = runningPostmaster(path.join(dir, 'data'));
      if (pid) await stopPostmaster(pid);
      fs.rmSync(dir, { recursive: true, force: true });
      onLog?.('info', `removed an abandoned throwaway PostgreSQL cluster ${dir}`);
    } catch {
      // another process is sweeping it, or it is not ours to remove
    }
  }
}

/** Refuses a folder another live server owns; stops a postmaster a killed server left behind. */
async function takeOver(dir: string, onLog: EmbeddedPostgresOptions['onLog']): Promise<void> {
  const owner = readOwner(dir);
  if (ownerAlive(owner)) {
    throw new Error(
      `${dir} is in use by another opencode-api (pid ${owner!.pid}). Stop that one first, or give this one another DATA_DIR.`,
    );
  }
  // A copy of the snapshot still running (the server was killed while it started) is stopped before anything else.
  await stopLauncher(dir, (pid) =>
    onLog?.('warn', `stopping the PostgreSQL start (pid ${pid}) that an earlier opencode-api left running on ${dir}`),
  );
  for (const name of fs.readdirSync(dir))
    if (name.startsWith('data.new')) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  const leftover = runningPostmaster(path.join(dir, 'data'));
  if (leftover) {
    onLog?.(
      'warn',
      `stopping the PostgreSQL (pid ${leftover}) that an earlier opencode-api${owner ? ` (pid ${owner.pid})` : ''} left running on ${dir}`,
    );
    await stopPostmaster(leftover);
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bins = pgBinaries();
  let user = runAsUser();
  const throwaway = !opts.dir;
  if (throwaway) await sweepThrowaways(opts.onLog);
  const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(throwawayRoot(), TEMP_PREFIX));
  if (`${dir}/.s.PGSQL.${EMBEDDED_PORT}`.length > MAX_SOCKET_PATH) {
    throw new Error(
      `DATA_DIR is too deep for the embedded PostgreSQL's Unix socket (${dir}, at most ${MAX_SOCKET_PATH - 16} characters): choose a shorter DATA_DIR.`,
    );
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  let server: Server | undefined;
  const exitHandler = () => {
    // Last resort when the process exits without stop() (an uncaught error): the server shuts down on its own.
    if (server && !server.exited && server.process.pid) process.kill(server.process.pid, 'SIGINT');
  };
  try {
    if (user) {
      fs.chownSync(dir, user.uid, user.gid);
      // A checkout or DATA_DIR below a folder only root may enter (mktemp -d, /root): the server sees its folders
      // through a mount namespace of its own instead.
      const view = embeddedView(user, { cluster: dir, native: path.dirname(bins.bin), template: opts.templateDir });
      if (view) user = { ...user, view };
    }
    await takeOver(dir, opts.onLog);
    writeOwner(dir);
    const dataDir = path.join(dir, 'data');
    const schema = opts.schema ?? [];
    const applied = path.join(dir, 'schema.version');
    if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      server = await launch(bins, dir, throwaway, user);
      // Brings an older DATA_DIR up to the latest migration; skipped when the steps are those it last applied.
      if (readText(applied) !== schemaVersion(schema)) await applySchema(embeddedUrl(dir), schema);
    } else {
      // A new cluster holds the current schema as it comes: the snapshot is keyed by every step's version, and
      // createCluster applies them all. A folder left by a cut-short creation has no PG_VERSION and is made again.
      fs.rmSync(dataDir, { recursive: true, force: true });
      const snapshot = savedSnapshot(bins, schema, opts.templateDir);
      if (!snapshot) await createCluster(bins, dir, opts, throwaway, user);
      server = await launch(bins, dir, throwaway, user, snapshot);
    }
    fs.writeFileSync(applied, schemaVersion(schema), { mode: 0o600 });
    process.on('exit', exitHandler);
  } catch (err) {
    if (server) await stopServer(server);
    if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const running = server;
  let stopping: Promise<void> | undefined;
  return {
    url: embeddedUrl(dir),
    dir,
    stop() {
      stopping ??= (async () => {
        await stopServer(running);
        process.off('exit', exitHandler);
        // A folder that cannot be removed now is swept by the next throwaway start.
        if (throwaway) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
        else fs.rmSync(path.join(dir, 'owner.json'), { force: true });
      })();
      return stopping;
    },
  };
}
