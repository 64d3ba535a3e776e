import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { buildBwrapArgs } from './bwrap-args';
import { OutputCollector } from './output-collector';
import { PseudoTerminal } from './sandbox-terminal';
import type { SandboxAudit } from './sandbox-audit.port';
import { SANDBOX_DNS, attachNetwork, findNetworkTools, type NetworkTools } from './sandbox-network';
import { SANDBOX_FIX, SandboxPathError, SandboxUnavailableError } from './sandbox.errors';
import { sandboxSeccompFilter } from './seccomp-filter';
import {
  SandboxLimitsSchema,
  SandboxRunInputSchema,
  SandboxRunnerOptionsSchema,
  type SandboxCheck,
  type SandboxOrigin,
  type SandboxStatus,
  type SandboxIdentity,
  type SandboxLimits,
  type SandboxRunInput,
  type SandboxRunnerOptions,
  type SandboxRunResult,
  type SandboxSpawnInput,
  type SandboxTerminalInput,
} from './sandbox.types';

const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NO_NETWORK = { network: 'none', networkReason: 'no sandbox' } as const;
/** Grace between SIGTERM and SIGKILL, as OpenCode's shell tool does. */
export const KILL_GRACE_MS = 3000;

/**
 * Runs shell commands for the agent. Under bubblewrap each command gets its own mount, pid, ipc, uts and
 * (unless allowed) network namespace, sees only the workspace read-write plus the system read-only, and runs
 * as an unprivileged uid with process, memory, cpu and file-size caps. The whole namespace dies with the
 * bwrap process, so timeouts and aborts kill every descendant, fork bombs included.
 */
export class SandboxRunner {
  private readonly options: ReturnType<typeof SandboxRunnerOptionsSchema.parse>;
  private checked?: Promise<SandboxCheck>;

  private readonly stateDir: string;
  private readonly networkTools: NetworkTools | null;

  constructor(
    options: SandboxRunnerOptions,
    private readonly audit?: SandboxAudit,
  ) {
    this.options = SandboxRunnerOptionsSchema.parse(options);
    mkdirSync(join(this.options.stateDir, 'output'), { recursive: true, mode: 0o700 });
    this.stateDir = realpathSync(this.options.stateDir);
    this.networkTools =
      this.options.networkTools === undefined ? findNetworkTools(HOST_PATH) : this.options.networkTools;
  }

  get mode() {
    return this.options.mode;
  }

  /** Startup probe: bwrap present, namespaces creatable, a command actually runs inside. Cached. */
  check(): Promise<SandboxCheck> {
    this.checked ??= this.probe();
    return this.checked;
  }

  /** For /ready and the boot log. */
  async status(): Promise<SandboxStatus> {
    const base = {
      mode: this.options.mode,
      bwrap: this.options.bwrapPath,
      network: 'none' as const,
      networkReason: null,
    };
    if (this.options.mode === 'off') {
      return {
        ...base,
        state: 'off',
        version: null,
        reason: 'SANDBOX=off: commands run on the host as the server user',
        fix: SANDBOX_FIX,
      };
    }
    const check = await this.check();
    if (check.available)
      return {
        ...base,
        state: 'sandboxed',
        version: check.version,
        reason: null,
        fix: null,
        network: check.network,
        networkReason: check.networkReason,
      };
    const state = this.options.mode === 'required' ? 'unavailable' : 'unsandboxed';
    return { ...base, state, version: check.version, reason: check.reason, fix: SANDBOX_FIX };
  }

  /** For routes that want to refuse before recording anything: throws what run() would throw. */
  async assertRunnable(): Promise<void> {
    if (this.options.mode !== 'required') return;
    const check = await this.check();
    if (!check.available) throw new SandboxUnavailableError(check.reason ?? 'unknown reason');
  }

  /**
   * The one decision every command path goes through: sandboxed, refused (required mode without bubblewrap), or
   * — only when chosen — unsandboxed and audited.
   */
  private async decide(
    command: string,
    origin: SandboxOrigin | undefined,
  ): Promise<{ sandboxed: boolean; dropPrivileges: boolean }> {
    if (this.options.mode !== 'off') {
      const check = await this.check();
      if (check.available) return { sandboxed: true, dropPrivileges: check.dropsPrivileges };
      if (this.options.mode === 'required') throw new SandboxUnavailableError(check.reason ?? 'unknown reason');
    }
    // `off` is one trusted user on their own machine; `optional` is a shared server that chose to risk it.
    if (this.options.mode === 'optional' && origin && this.audit) {
      const reason = (await this.check()).reason;
      await this.audit.unsandboxedRun(origin, { command: command.slice(0, 2000), mode: this.options.mode, reason });
    }
    return { sandboxed: false, dropPrivileges: false };
  }

  async run(input: SandboxRunInput): Promise<SandboxRunResult> {
    const parsed = SandboxRunInputSchema.parse(input);
    const limits: SandboxLimits = SandboxLimitsSchema.parse({ ...this.options.limits, ...parsed.limits });
    const { root, cwd } = confine(parsed.workspaceRoot, parsed.cwd);
    if (isInside(root, this.stateDir))
      throw new SandboxPathError("The workspace cannot contain the sandbox's state folder", root);
    const env = commandEnv(parsed.env);
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

    const { sandboxed, dropPrivileges } = await this.decide(parsed.command, parsed.origin);
    const identity = parsed.identity ?? this.options.identity;
    const network: { kind: SandboxRunResult['network']; note?: string } = sandboxed
      ? await this.networkFor(parsed.network)
      : { kind: 'host' };
    if (input.signal?.aborted) return notStarted(sandboxed, network.kind);
    const spawned = sandboxed
      ? this.spawnBwrap(
          buildBwrapArgs({
            workspaceRoot: root,
            cwd,
            resolvConf: network.kind === 'filtered' ? this.resolvConf() : undefined,
            identity,
            dropPrivileges,
            grantWorkspace: this.options.grantWorkspace,
            limits,
            ...this.accountFiles(identity),
            extraReadOnly: this.options.extraReadOnly,
            env,
            argv: [shell, '-c', parsed.command],
          }),
          'ignore',
          network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined,
        )
      : plainProcess(
          spawn(shell, ['-c', parsed.command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
        );

    return supervise(spawned, {
      timeoutMs: parsed.timeoutMs,
      limits,
      signal: input.signal,
      onOutput: input.onOutput,
      spillPath: join(this.options.stateDir, 'output', `${randomUUID()}.log`),
      sandboxed,
      network: network.kind,
      note: network.note,
    });
  }

  /**
   * A long-running sandboxed process with piped stdin/stdout/stderr (e.g. a local MCP server), same isolation
   * and caps as run() but no timeout and no output capture: the caller owns its lifetime. Kill it with
   * `process.kill(-child.pid, signal)` (it leads its own process group); once bwrap has finished its setup
   * (milliseconds), its death takes the namespace with it.
   */
  async spawnProcess(input: SandboxSpawnInput): Promise<ChildProcess> {
    const limits: SandboxLimits = SandboxLimitsSchema.parse({ ...this.options.limits, ...input.limits });
    const { root, cwd } = confine(input.workspaceRoot, input.cwd ?? input.workspaceRoot);
    if (isInside(root, this.stateDir))
      throw new SandboxPathError("The workspace cannot contain the sandbox's state folder", root);
    const env = commandEnv(input.env);
    const { sandboxed, dropPrivileges } = await this.decide(input.argv.join(' '), input.origin);
    if (!sandboxed) return spawn(input.argv[0], input.argv.slice(1), { cwd, env, detached: true, stdio: 'pipe' });
    const identity = input.identity ?? this.options.identity;
    const network = await this.networkFor(input.network ?? false);
    const args = buildBwrapArgs({
      workspaceRoot: root,
      cwd,
      resolvConf: network.kind === 'filtered' ? this.resolvConf() : undefined,
      identity,
      dropPrivileges,
      grantWorkspace: this.options.grantWorkspace,
      limits,
      ...this.accountFiles(identity),
      extraReadOnly: this.options.extraReadOnly,
      env,
      argv: input.argv,
    });
    return this.spawnBwrap(args, 'pipe', network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined).process;
  }

  /**
   * An interactive shell on a pseudo-terminal (the /pty routes), with run()'s isolation, identity, network and
   * caps but no timeout: the caller owns its lifetime and ends it with `kill()`. Inside, `setsid --ctty` gives
   * the shell the terminal as its controlling tty (job control, Ctrl-C) in a session of its own: bwrap's
   * --new-session stays, so nothing in the sandbox can reach a terminal of the server's. Caller variables go to
   * the shell through `env` after the privilege drop, never to the root-run setup (LD_PRELOAD and friends).
   */
  async spawnTerminal(input: SandboxTerminalInput): Promise<SandboxTerminal> {
    const limits: SandboxLimits = SandboxLimitsSchema.parse({ ...this.options.limits, ...input.limits });
    const { root, cwd } = confine(input.workspaceRoot, input.cwd ?? input.workspaceRoot);
    if (isInside(root, this.stateDir))
      throw new SandboxPathError("The workspace cannot contain the sandbox's state folder", root);
    const { sandboxed, dropPrivileges } = await this.decide(input.argv.join(' '), input.origin);
    const userEnv = Object.entries(input.userEnv ?? {}).map(([key, value]) => `${key}=${value}`);
    const argv = [
      '/usr/bin/setsid',
      '--wait',
      '--ctty',
      ...(userEnv.length ? ['/usr/bin/env', '--', ...userEnv] : []),
      ...input.argv,
    ];
    const env = commandEnv({ TERM: 'xterm-256color', ...input.env });
    const network = sandboxed ? await this.networkFor(input.network ?? false) : { kind: 'host' as const };
    const terminal = new PseudoTerminal(input.cols, input.rows);
    try {
      const identity = input.identity ?? this.options.identity;
      const spawned = sandboxed
        ? this.spawnBwrap(
            buildBwrapArgs({
              workspaceRoot: root,
              cwd,
              resolvConf: network.kind === 'filtered' ? this.resolvConf() : undefined,
              identity,
              dropPrivileges,
              grantWorkspace: this.options.grantWorkspace,
              limits,
              ...this.accountFiles(identity),
              extraReadOnly: this.options.extraReadOnly,
              env,
              argv,
            }),
            { terminal: terminal.slaveFd },
            network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined,
          )
        : plainProcess(
            spawn(argv[0], argv.slice(1), {
              cwd,
              env,
              detached: true,
              stdio: [terminal.slaveFd, terminal.slaveFd, terminal.slaveFd],
            }),
          );
      return {
        ...spawned,
        terminal,
        sandboxed,
        network: network.kind,
        ...('note' in network ? { note: network.note } : {}),
      };
    } catch (error) {
      terminal.close();
      throw error;
    } finally {
      terminal.releaseSlave();
    }
  }

  /** What a command that asked for network gets: the filtered network, or none with a note saying why. */
  private async networkFor(requested: boolean): Promise<{ kind: 'filtered' | 'none'; note?: string }> {
    if (!requested) return { kind: 'none' };
    const check = await this.check();
    if (check.network === 'filtered') return { kind: 'filtered' };
    return {
      kind: 'none',
      note: `This command ran without network: the school allows it, but this server cannot give a filtered network (${check.networkReason}).`,
    };
  }

  /** The sandbox's /etc/resolv.conf: slirp4netns's DNS relay, the only private address the filter lets through. */
  private resolvConf(): string {
    const path = join(this.options.stateDir, 'etc', 'resolv.conf');
    if (!existsSync(path)) {
      mkdirSync(join(this.options.stateDir, 'etc'), { recursive: true, mode: 0o755 });
      writeFileSync(path, `nameserver ${SANDBOX_DNS}\n`, { mode: 0o644 });
    }
    return path;
  }

  /** Deletes spilled outputs older than `maxAgeMs` (OpenCode keeps its truncated outputs for 7 days). */
  async pruneOutputs(maxAgeMs = 7 * 24 * 3600_000): Promise<number> {
    const dir = join(this.options.stateDir, 'output');
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const stat = await lstat(path).catch(() => null);
      if (stat?.isFile() && stat.mtimeMs < cutoff) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /**
   * Starts bwrap. With `network`, bwrap holds the sandbox (--block-fd) until slirp4netns is attached to its
   * namespace and the egress filter is loaded; if either fails the namespace is killed before the command starts.
   */
  private spawnBwrap(
    args: string[],
    stdin: 'ignore' | 'pipe' | { terminal: number } = 'ignore',
    network?: { userns: boolean },
  ): SandboxedProcess {
    if (this.options.bwrapPath === null) throw new SandboxUnavailableError('bubblewrap (bwrap) is not installed');
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
    // A terminal's slave is the command's stdin, stdout and stderr at once.
    const std: ('ignore' | 'pipe' | number)[] =
      typeof stdin === 'object' ? [stdin.terminal, stdin.terminal, stdin.terminal] : [stdin, 'pipe', 'pipe'];
    const stdio = [...std, ...Array<'pipe'>(Math.max(fds.info, fds.block) - 2).fill('pipe')];
    const child = spawn(this.options.bwrapPath, [...prefix, ...args], { env, detached: true, stdio });
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
    if (network) spawned.setup = this.connect(child, nsInit, child.stdio[fds.block] as Writable, network, spawned);
    return spawned;
  }

  /** Attaches the filtered network, then lets the sandbox go on; on failure kills it and says why. */
  private async connect(
    child: ChildProcess,
    nsInit: Promise<number | null>,
    block: Writable,
    network: { userns: boolean },
    spawned: SandboxedProcess,
  ): Promise<string | null> {
    block.on('error', () => undefined);
    const pid = await nsInit;
    if (pid === null) return null;
    try {
      const attached = await attachNetwork(pid, this.networkTools!, network);
      if (child.exitCode !== null || child.signalCode !== null) attached.stop();
      else child.once('exit', () => attached.stop());
      block.end('go');
      return null;
    } catch (error) {
      spawned.kill();
      return `The sandbox's network could not be set up, so the command did not run: ${(error as Error).message}`;
    }
  }

  /** Generated /etc/passwd and /etc/group naming only root, the sandbox user and nobody. */
  private accountFiles(identity: SandboxIdentity): { passwdFile: string; groupFile: string } {
    const dir = join(this.options.stateDir, 'etc', `${identity.uid}-${identity.gid}`);
    const passwdFile = join(dir, 'passwd');
    const groupFile = join(dir, 'group');
    if (!existsSync(groupFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeFileSync(
        passwdFile,
        `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${identity.uid}:${identity.gid}:sandbox:/tmp:/bin/bash\n` +
          'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
        { mode: 0o644 },
      );
      writeFileSync(groupFile, `root:x:0:\nsandbox:x:${identity.gid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
    }
    return { passwdFile, groupFile };
  }

  private async probe(): Promise<SandboxCheck> {
    const dropsPrivileges = process.getuid?.() === 0;
    const bwrap = this.options.bwrapPath;
    if (bwrap === null)
      return {
        available: false,
        version: null,
        reason: 'bubblewrap (bwrap) is not installed: none on PATH',
        dropsPrivileges,
        ...NO_NETWORK,
      };
    const version = await capture(bwrap, ['--version']).catch(() => null);
    if (version === null || version.code !== 0) {
      return {
        available: false,
        version: null,
        reason: `${bwrap} not found or not executable`,
        dropsPrivileges,
        ...NO_NETWORK,
      };
    }
    const versionText = version.output.trim().replace(/^bubblewrap\s+/, '');
    const root = join(this.options.stateDir, 'probe');
    mkdirSync(root, { recursive: true });
    const trialArgs = (command: string, resolvConf?: string) =>
      buildBwrapArgs({
        workspaceRoot: root,
        cwd: root,
        resolvConf,
        identity: this.options.identity,
        dropPrivileges: dropsPrivileges,
        limits: SandboxLimitsSchema.parse(this.options.limits),
        ...this.accountFiles(this.options.identity),
        extraReadOnly: [],
        env: commandEnv(),
        argv: ['/bin/sh', '-c', command],
      });
    // Through spawnBwrap, so the probe also proves the seccomp filter loads on this kernel.
    const trial = await collect(this.spawnBwrap(trialArgs('id -u')).process).catch((error: Error) => ({
      code: -1,
      output: error.message,
    }));
    if (trial.code !== 0) {
      // Typical causes: user namespaces disabled (kernel.unprivileged_userns_clone=0, AppArmor's
      // restrict_unprivileged_userns) or a container without CAP_SYS_ADMIN / seccomp blocking clone(CLONE_NEW*).
      const reason = `bwrap failed to start a sandbox: ${trial.output.trim()}`;
      return { available: false, version: versionText, reason, dropsPrivileges, ...NO_NETWORK };
    }
    return {
      available: true,
      version: versionText,
      reason: null,
      dropsPrivileges,
      ...(await this.probeNetwork(trialArgs, dropsPrivileges)),
    };
  }

  /** Whether a sandbox here gets the filtered network: tools present, and a trial sandbox sees slirp's interface. */
  private async probeNetwork(
    trialArgs: (command: string, resolvConf?: string) => string[],
    dropsPrivileges: boolean,
  ): Promise<Pick<SandboxCheck, 'network' | 'networkReason'>> {
    if (!this.networkTools) return { network: 'none', networkReason: 'slirp4netns, nft or nsenter is not installed' };
    const spawned = this.spawnBwrap(trialArgs('cat /proc/net/route', this.resolvConf()), 'ignore', {
      userns: !dropsPrivileges,
    });
    const [trial, failure] = await Promise.all([
      collect(spawned.process).catch((error: Error) => ({ code: -1, output: error.message })),
      spawned.setup,
    ]);
    if (trial.code === 0 && /^tap0\s+00000000/m.test(trial.output)) return { network: 'filtered', networkReason: null };
    return {
      network: 'none',
      networkReason: failure ?? `no route through slirp4netns in a trial sandbox: ${trial.output.trim().slice(0, 300)}`,
    };
  }
}

/** The environment the command sees: a fixed minimal set plus what the caller asks for. */
function commandEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: HOST_PATH,
    HOME: '/tmp',
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    // The workspace belongs to the sandbox uid or to the server; either way git should not refuse it.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
    ...extra,
  };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Resolves the workspace and cwd to real paths and refuses a cwd outside the workspace. */
export function confine(workspaceRoot: string, cwd: string): { root: string; cwd: string } {
  if (!isAbsolute(workspaceRoot)) throw new SandboxPathError('Workspace root must be absolute', workspaceRoot);
  let root: string;
  let dir: string;
  try {
    root = realpathSync(workspaceRoot);
    dir = realpathSync(isAbsolute(cwd) ? cwd : join(root, cwd));
  } catch {
    throw new SandboxPathError('Working directory does not exist', cwd);
  }
  if (!isInside(root, dir)) throw new SandboxPathError('Working directory is outside the workspace', cwd);
  if (root === '/') throw new SandboxPathError('The workspace cannot be the file system root', workspaceRoot);
  // The workspace is bound read-write and handed to the sandbox uid: a system folder must never be one.
  if (SYSTEM_DIRS.some((system) => root === system || root.startsWith(`${system}/`))) {
    throw new SandboxPathError('The workspace cannot be a system folder', workspaceRoot);
  }
  return { root, cwd: dir };
}

const SYSTEM_DIRS = [
  '/usr',
  '/etc',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/run',
  '/var/lib',
  '/var/run',
];

interface SuperviseOptions {
  timeoutMs: number;
  limits: SandboxLimits;
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
  spillPath: string;
  sandboxed: boolean;
  network: SandboxRunResult['network'];
  note?: string;
}

function supervise(spawned: SandboxedProcess, options: SuperviseOptions): Promise<SandboxRunResult> {
  const child = spawned.process;
  const started = Date.now();
  const collector = new OutputCollector({
    memoryBytes: options.limits.outputBytes,
    spillBytes: options.limits.spillBytes,
    spillPath: options.spillPath,
  });
  let timedOut = false;
  let aborted = false;
  let outputLimitHit = false;
  let forceKill: NodeJS.Timeout | undefined;

  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const terminate = () => {
    if (forceKill) return;
    spawned.kill();
    // Last resort if the first blow didn't land (bwrap stuck in setup, a plain shell ignoring SIGTERM).
    forceKill = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    forceKill.unref();
  };

  const onData = (chunk: Buffer) => {
    collector.push(chunk);
    options.onOutput?.(chunk.toString('utf8'));
    if (collector.totalBytes > options.limits.killAfterOutputBytes && !outputLimitHit) {
      outputLimitHit = true;
      terminate();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const finish = async () => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(timer);
      if (forceKill) clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      const outputPath = await collector.close();
      const failure = await spawned.setup;
      const note = [options.note, failure].filter(Boolean).join('\n') || undefined;
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        output: collector.text(),
        network: options.network,
        ...(note ? { note } : {}),
        truncated: collector.truncated,
        totalBytes: collector.totalBytes,
        timedOut,
        aborted,
        outputLimitHit,
        outputPath,
        sandboxed: options.sandboxed,
        durationMs: Date.now() - started,
      });
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // A plain-spawn grandchild that escaped the process group can hold the pipes open; don't wait forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        void finish();
      }, 500).unref();
    });
    child.once('close', () => void finish());
  });
}

/** A shell on a pseudo-terminal (spawnTerminal): the process, its terminal's master side, and how it is isolated. */
export interface SandboxTerminal extends SandboxedProcess {
  terminal: PseudoTerminal;
  sandboxed: boolean;
  network: SandboxRunResult['network'];
  note?: string;
}

/** A started command and the way to end it with everything it spawned. */
export interface SandboxedProcess {
  process: ChildProcess;
  kill(): void;
  /** With the filtered network: settles once the sandbox was let go (null) or killed for a failed setup (why). */
  setup?: Promise<string | null>;
}

/**
 * Ends a sandbox by SIGKILLing its pid namespace's init (the kernel then kills every process inside). Not by
 * killing bwrap: killed mid-setup, bwrap can leave an init that hasn't armed its parent-death signal yet,
 * sitting in its own session and ignoring everything but SIGKILL — an orphaned namespace. The init's pid comes
 * from bwrap's --info-fd; a kill asked for before it is known waits for it.
 */
function killNamespace(child: ChildProcess, nsInit: Promise<number | null>): void {
  void nsInit.then((pid) => {
    // After bwrap has exited, the init is reaped and its pid may already belong to someone else.
    if (pid === null || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
}

/** Unsandboxed: SIGTERM to the process group, SIGKILL after the grace period. */
function plainProcess(child: ChildProcess): SandboxedProcess {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      /* already gone */
    }
  };
  return {
    process: child,
    kill: () => {
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
    },
  };
}

/** Aborted before it began: nothing to spawn (and no half-started sandbox to clean up). */
function notStarted(sandboxed: boolean, network: SandboxRunResult['network']): SandboxRunResult {
  return {
    exitCode: null,
    signal: null,
    output: '',
    truncated: false,
    totalBytes: 0,
    timedOut: false,
    aborted: true,
    outputLimitHit: false,
    sandboxed,
    network,
    durationMs: 0,
  };
}

/** Runs a short helper command to completion and returns its merged output. */
function capture(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return collect(spawn(file, args, { env: { PATH: HOST_PATH, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function collect(child: ChildProcess): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
