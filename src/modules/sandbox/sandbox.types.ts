import { z } from 'zod';

/**
 * `required` (the default): refuse to run when bubblewrap is unusable. `optional` (explicit only): fall back to a
 * plain spawn, marked `sandboxed: false` on the result and written to the audit log. `off`: always a plain spawn
 * in the workspace — one trusted user on their own machine only.
 */
export const SandboxModeSchema = z.enum(['required', 'optional', 'off']);
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

export const SandboxLimitsSchema = z.object({
  /** RLIMIT_CPU per process. */
  cpuSeconds: z.number().int().positive().default(300),
  /** RLIMIT_AS per process; virtual, so leave room for runtimes that reserve big address ranges. */
  memoryBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 ** 3),
  /** RLIMIT_NPROC; only bites because the command runs as a dedicated unprivileged uid. */
  processes: z.number().int().positive().default(256),
  /** Output kept in memory (head + tail); the rest is counted and spilled. */
  outputBytes: z
    .number()
    .int()
    .positive()
    .default(100 * 1024),
  /** Full output spilled to a file up to this size. */
  spillBytes: z
    .number()
    .int()
    .nonnegative()
    .default(32 * 1024 * 1024),
  /** Past this much output the command is killed: nobody reads a gigabyte of log. */
  killAfterOutputBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /** RLIMIT_FSIZE: largest file the command may write. */
  fileBytes: z
    .number()
    .int()
    .positive()
    .default(1024 ** 3),
  /** Size of the private /tmp (tmpfs, so it is memory). */
  tmpBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
});
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

/** The unprivileged identity the command runs as inside the sandbox. */
export const SandboxIdentitySchema = z.object({
  uid: z.number().int().min(1),
  gid: z.number().int().min(1),
});
export type SandboxIdentity = z.infer<typeof SandboxIdentitySchema>;

export const SandboxOriginSchema = z.object({
  tenantId: z.string(),
  userId: z.string().optional(),
  /** `bash`, `shell`, `command`, `mcp`, `vcs`, … */
  via: z.string(),
});
export type SandboxOrigin = z.infer<typeof SandboxOriginSchema>;

export const SandboxRunInputSchema = z.object({
  command: z.string().min(1),
  /** Absolute directory inside `workspaceRoot`. */
  cwd: z.string(),
  workspaceRoot: z.string(),
  env: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().positive().default(120_000),
  network: z.boolean().default(false),
  limits: SandboxLimitsSchema.partial().optional(),
  /** Overrides the runner's identity, e.g. one uid per tenant so process caps are not shared. */
  identity: SandboxIdentitySchema.optional(),
  /** Who asked, and through which door: written to the audit log when the command runs unsandboxed. */
  origin: SandboxOriginSchema.optional(),
  /** Extra absolute host folders bound read-only for this command alone (e.g. a formatter's package). Server-chosen. */
  readOnly: z.array(z.string().startsWith('/')).optional(),
});

export type SandboxRunInput = z.input<typeof SandboxRunInputSchema> & {
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
};

/** A long-running process (spawnProcess): argv, no shell, stdin piped. */
export interface SandboxSpawnInput {
  argv: string[];
  workspaceRoot: string;
  /** Defaults to the workspace root. */
  cwd?: string;
  env?: Record<string, string>;
  network?: boolean;
  limits?: Partial<SandboxLimits>;
  identity?: SandboxIdentity;
  origin?: SandboxOrigin;
  /** Extra host folders bound read-only for this process alone (e.g. a language server's package). Server-chosen. */
  readOnly?: string[];
}

/** An interactive shell on a pseudo-terminal (spawnTerminal). */
export interface SandboxTerminalInput {
  argv: string[];
  workspaceRoot: string;
  /** Defaults to the workspace root. */
  cwd?: string;
  /** Variables of the sandbox's own environment (set by bwrap, seen by its setup too): server-chosen only. */
  env?: Record<string, string>;
  /** The caller's variables: given to the command alone, after the privilege drop. Names must be validated. */
  userEnv?: Record<string, string>;
  cols: number;
  rows: number;
  network?: boolean;
  limits?: Partial<SandboxLimits>;
  identity?: SandboxIdentity;
  origin?: SandboxOrigin;
}

export interface SandboxRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Head and tail of the merged stdout/stderr; a marker replaces what was cut. */
  output: string;
  truncated: boolean;
  /** Bytes the command wrote in total (also what was cut). */
  totalBytes: number;
  timedOut: boolean;
  aborted: boolean;
  /** Killed because the output passed `killAfterOutputBytes`. */
  outputLimitHit: boolean;
  /** The full output (up to `spillBytes`) when it did not fit in memory. */
  outputPath?: string;
  sandboxed: boolean;
  /**
   * What the command had: the filtered network, none (not asked for, or not available here: see `note`), or the
   * host's own (unsandboxed runs, SANDBOX=optional/off).
   */
  network: 'filtered' | 'none' | 'host';
  /** Something the caller should tell the user, e.g. that the network they asked for is not available. */
  note?: string;
  durationMs: number;
}

export interface SandboxCheck {
  available: boolean;
  version: string | null;
  reason: string | null;
  /** Whether the command can run as the unprivileged identity (needs the server to run as root). */
  dropsPrivileges: boolean;
  /** What `bashNetwork` gives: the filtered user-space network, or none (with the reason). */
  network: 'filtered' | 'none';
  networkReason: string | null;
}

/** What /ready and the boot log say about the command sandbox. */
export interface SandboxStatus {
  mode: SandboxMode;
  /** `sandboxed`: commands run in bubblewrap. `unavailable`: commands are refused. `unsandboxed`: optional mode
   * without bubblewrap, commands run on the host. `off`: SANDBOX=off. */
  state: 'sandboxed' | 'unavailable' | 'unsandboxed' | 'off';
  bwrap: string | null;
  version: string | null;
  reason: string | null;
  /** How to get from `unavailable`/`unsandboxed` to `sandboxed`. */
  fix: string | null;
  /** What `bashNetwork` gives sandboxed commands: a filtered user-space network, or none at all (and why). */
  network: 'filtered' | 'none';
  networkReason: string | null;
  /**
   * How each sandboxed run is capped: `cgroup2` (a cgroup per run: memory.max, pids.max, cpu.max, on top of the
   * rlimits), `rlimit` (per-process RLIMIT_NPROC/AS/CPU/FSIZE only) with the reason, or `none` (no sandbox).
   */
  limits: { kind: 'cgroup2' | 'rlimit' | 'none'; cgroup: string | null; reason: string | null };
}

export const SandboxRunnerOptionsSchema = z.object({
  mode: SandboxModeSchema.default('required'),
  /** null: not installed (nothing on PATH). */
  bwrapPath: z.string().nullable().default('/usr/bin/bwrap'),
  identity: SandboxIdentitySchema.default({ uid: 61000, gid: 61000 }),
  limits: SandboxLimitsSchema.partial().default({}),
  /** Where spilled outputs and the generated /etc files live. */
  stateDir: z.string(),
  /** Extra read-only host paths (e.g. a toolchain under /opt). Never data dirs. */
  extraReadOnly: z.array(z.string()).default([]),
  /** Before each run, hand the workspace tree to the identity (see grantWorkspace). Off if the caller does it. */
  grantWorkspace: z.boolean().default(true),
  /** slirp4netns, nft, nsenter and unshare for the filtered network; null: none (`network: true` then means no network). Default: found on PATH. */
  networkTools: z
    .object({ slirp4netns: z.string(), nft: z.string(), nsenter: z.string(), unshare: z.string() })
    .nullable()
    .optional(),
  /** A delegated cgroup v2 folder for per-run cgroups (SANDBOX_CGROUP); without one, rlimits only. */
  cgroupBase: z.string().optional(),
  /** The cgroup v2 mount point (a parameter for tests). */
  cgroupRoot: z.string().default('/sys/fs/cgroup'),
});
export type SandboxRunnerOptions = z.input<typeof SandboxRunnerOptionsSchema>;
