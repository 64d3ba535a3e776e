import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FakeLlm } from '../../test/fakes/llm';
import { providerConfig } from '../llm';
import { freePort, startProcess, type ServerProcess } from '../lib/proc';
import { seedOpencodeMessages } from './opencode-seed';
import { prepareProject, probe, tempDir, type Target } from './target';

export const OPENCODE_VERSION = '1.18.33';
const CACHE = path.join(__dirname, '..', '.cache', 'opencode');

const isElf = (file: string) => {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
};

function installedVersion(): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(CACHE, 'node_modules', 'opencode-ai', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The real binary: `.bin/opencode` when the package's postinstall linked it, else the platform package's. */
function findBinary(): string | undefined {
  const bin = path.join(CACHE, 'node_modules', '.bin', 'opencode');
  if (isElf(bin)) return bin;
  const modules = path.join(CACHE, 'node_modules');
  if (!fs.existsSync(modules)) return undefined;
  const platform = fs
    .readdirSync(modules)
    .filter((d) => d.startsWith(`opencode-${process.platform}-${process.arch}`))
    .sort((a, b) => a.length - b.length) // the plain (AVX2) build before -baseline
    .map((d) => path.join(modules, d, 'bin', 'opencode'));
  return platform.find(isElf);
}

/** Installs opencode-ai into bench/.cache/opencode on first use (never a project dependency). */
export function ensureOpencode(log: (line: string) => void): string {
  let binary = installedVersion() === OPENCODE_VERSION ? findBinary() : undefined;
  if (binary) return binary;
  log(`installing opencode-ai@${OPENCODE_VERSION} into ${path.relative(process.cwd(), CACHE)} (about 355 MB, once)`);
  fs.mkdirSync(CACHE, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', CACHE, `opencode-ai@${OPENCODE_VERSION}`, '--no-audit', '--no-fund'], { stdio: 'inherit', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`npm install opencode-ai@${OPENCODE_VERSION} failed (${r.status ?? r.signal})`);
  binary = findBinary();
  if (!binary) throw new Error(`opencode-ai@${OPENCODE_VERSION} installed but no opencode binary found under ${CACHE}/node_modules`);
  return binary;
}

/** The environment the real server runs in: its own HOME and XDG folders, no downloads, no plugins, no updates. */
export function opencodeEnv(home: string): NodeJS.ProcessEnv {
  for (const d of ['.config', '.local/share', '.cache', '.local/state']) fs.mkdirSync(path.join(home, d), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OPENCODE_')) delete env[k];
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local/state'),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
    OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
    // Its background `npm install @opencode-ai/plugin` then fails at once on loopback instead of going out.
    npm_config_registry: 'http://127.0.0.1:9/',
  });
  return env;
}

export interface OpencodeStartOptions {
  llm: FakeLlm;
  snapshot: boolean;
  keep: boolean;
  log: (line: string) => void;
}

export async function startOpencode(options: OpencodeStartOptions): Promise<Target> {
  const binary = ensureOpencode(options.log);
  const work = tempDir('bench-opencode.');
  const project = path.join(work, 'project');
  const home = path.join(work, 'home');
  prepareProject(project);
  fs.writeFileSync(path.join(project, 'opencode.json'), JSON.stringify(providerConfig(options.llm, options.snapshot), null, 2));

  const env = opencodeEnv(home);

  const logFile = path.join(work, 'server.log');
  const db = path.join(home, '.local/share', 'opencode', 'opencode.db');
  let proc: ServerProcess | undefined;
  /** Starts the server on a fresh port and waits until it serves; the first start's time is the boot figure. */
  const launch = async () => {
    const port = await freePort();
    const started = Date.now();
    proc = startProcess(binary, ['serve', '--hostname', '127.0.0.1', '--port', String(port)], { cwd: project, env, logFile });
    await proc.waitForLine(/listening/i, 120_000);
    const bootMs = Date.now() - started;
    const baseUrl = `http://127.0.0.1:${port}`;
    await probe(`${baseUrl}/global/health`, {}, 30_000);
    // The first request that needs the project instance pays its lazy boot; keep it out of the figures.
    await probe(`${baseUrl}/session`, {}, 60_000, 15_000);
    return { baseUrl, pid: proc.pid, bootMs };
  };
  const stop = async () => {
    await proc?.stop();
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    const { baseUrl, pid, bootMs } = await launch();
    const target: Target = { name: 'opencode', label: `OpenCode ${OPENCODE_VERSION}`, baseUrl, pid, headers: {}, bootMs, notes: [`work dir ${work}`], stop };
    target.bulkSeed = async (sessionId, total, text) => {
      await proc!.stop();
      const seeded = seedOpencodeMessages(db, sessionId, total, text);
      const again = await launch();
      Object.assign(target, { baseUrl: again.baseUrl, pid: again.pid });
      const rows = Object.entries(seeded.perMessage).map(([table, n]) => `${n} ${table}`).join(', ');
      return `${seeded.added} messages written into OpenCode's SQLite file with the server stopped (${rows} row(s) each, copied from the newest API-written message; ${seeded.ms} ms), then the server was restarted`;
    };
    return target;
  } catch (err) {
    await proc?.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (work dir kept: ${work})`);
  }
}
