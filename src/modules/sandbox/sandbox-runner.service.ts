import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { buildBwrapArgs } from './bwrap-args';
import { spawnBwrap, type BwrapStdin } from './bwrap-spawn';
import type { SandboxAudit } from './sandbox-audit.port';
import { HOST_PATH, commandEnv, confine, isInside } from './sandbox-confine';
import { findNetworkTools, type NetworkTools } from './sandbox-network';
import { RunCgroup, detectCgroupSupport, runCgroupLimits, type CgroupSupport } from './sandbox-cgroup';
import { notStarted, plainProcess, spawnUnsandboxed, supervise, type SandboxedProcess } from './sandbox-process';
import { probeSandbox } from './sandbox-probe';
import { accountFiles, pruneOutputFiles, resolvConfFile } from './sandbox-state';
import { PseudoTerminal } from './sandbox-terminal';
import { SANDBOX_FIX, SandboxPathError, SandboxUnavailableError } from './sandbox.errors';
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

/** A shell on a pseudo-terminal (spawnTerminal): the process, its terminal, and how it is isolated. */
export interface SandboxTerminal extends SandboxedProcess {
  terminal: PseudoTerminal;
  sandboxed: boolean;
  network: SandboxRunResult['network'];
  note?: string;
}

/**
 * Runs shell commands for the agent. Under bubblewrap each command gets its own mount, pid, ipc, uts and
 * (unless allowed) network namespace, sees only the workspace read-write plus the system read-only, and runs
 * as an unprivileged uid with process, memory, cpu and file-size caps. The whole namespace dies with the
 * bwrap process, so timeouts and aborts kill every descendant, fork bombs included.
 */
export class SandboxRunner {
  private readonly options: ReturnType<typeof SandboxRunnerOptionsSchema.parse>;
  private checked?: Promise<SandboxCheck>;
  private cgroups?: Promise<CgroupSupport>;

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

  /** Per-run cgroup v2 where a delegated folder allows it, else rlimits only. Detected once. */
  cgroupSupport(): Promise<CgroupSupport> {
    this.cgroups ??= detectCgroupSupport(this.options.cgroupBase, this.options.cgroupRoot);
    return this.cgroups;
  }

  /** The run's own cgroup, or none (rlimits only): a cgroup that cannot be made never stops the command. */
  private async runCgroup(limits: SandboxLimits): Promise<RunCgroup | undefined> {
    const support = await this.cgroupSupport();
    if (support.kind !== 'cgroup2' || !support.base) return undefined;
    return RunCgroup.create(support.base, runCgroupLimits(limits)).catch(() => undefined);
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
      limits: { kind: 'none' as const, cgroup: null, reason: 'commands do not run in the sandbox' },
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
        limits: await this.cgroupSupport().then(({ kind, base, reason }) => ({ kind, cgroup: base, reason })),
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
    const cgroup = sandboxed ? await this.runCgroup(limits) : undefined;
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
            extraReadOnly: [...this.options.extraReadOnly, ...(parsed.readOnly ?? [])],
            env,
            argv: [shell, '-c', parsed.command],
          }),
          'ignore',
          network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined,
          cgroup,
        )
      : plainProcess(spawnUnsandboxed(shell, ['-c', parsed.command], { cwd, env, stdin: 'ignore' }));

    return supervise(spawned, {
      cgroup,
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
    if (!sandboxed) return spawnUnsandboxed(input.argv[0], input.argv.slice(1), { cwd, env, stdin: 'pipe' });
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
      extraReadOnly: [...this.options.extraReadOnly, ...(input.readOnly ?? [])],
      env,
      argv: input.argv,
    });
    const cgroup = await this.runCgroup(limits);
    const child = this.spawnBwrap(
      args,
      'pipe',
      network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined,
      cgroup,
    ).process;
    if (cgroup) child.once('close', () => void cgroup.remove());
    return child;
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
    const stdin = { terminal: terminal.slaveFd };
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
            stdin,
            network.kind === 'filtered' ? { userns: !dropPrivileges } : undefined,
          )
        : plainProcess(spawnUnsandboxed(argv[0], argv.slice(1), { cwd, env, stdin }));
      const note = 'note' in network ? { note: network.note } : {};
      return { ...spawned, terminal, sandboxed, network: network.kind, ...note };
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

  private resolvConf(): string {
    return resolvConfFile(this.options.stateDir);
  }

  /** Deletes spilled outputs older than `maxAgeMs` (OpenCode keeps its truncated outputs for 7 days). */
  pruneOutputs(maxAgeMs = 7 * 24 * 3600_000): Promise<number> {
    return pruneOutputFiles(this.options.stateDir, maxAgeMs);
  }

  private spawnBwrap(args: string[], stdin: BwrapStdin = 'ignore', network?: { userns: boolean }, cgroup?: RunCgroup) {
    const options = { bwrapPath: this.options.bwrapPath, networkTools: this.networkTools, stdin, network, cgroup };
    return spawnBwrap(args, options);
  }

  private accountFiles(identity: SandboxIdentity): { passwdFile: string; groupFile: string } {
    return accountFiles(this.options.stateDir, identity);
  }

  private probe(): Promise<SandboxCheck> {
    return probeSandbox({
      bwrapPath: this.options.bwrapPath,
      stateDir: this.options.stateDir,
      identity: this.options.identity,
      limits: SandboxLimitsSchema.parse(this.options.limits),
      networkTools: this.networkTools,
      accountFiles: (identity) => this.accountFiles(identity),
      resolvConf: () => this.resolvConf(),
      spawnBwrap: (args, network) => this.spawnBwrap(args, 'ignore', network),
    });
  }
}
