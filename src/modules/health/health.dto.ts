export class HealthDto {
  healthy!: boolean;
  version!: string;
}

export class ReadinessDto {
  ready!: boolean;
  database!: 'ok' | 'down';
  queue!: 'ok' | 'down';
  queueBackend!: 'redis' | 'postgres';
  events!: 'ok' | 'down';
  /** Whether commands (bash, shell, `!cmd`, local MCP servers) run, and how; never makes `ready` false. */
  sandbox!: SandboxStatusDto;
}

export class SandboxStatusDto {
  mode!: 'required' | 'optional' | 'off';
  /** `sandboxed`; `unavailable` (commands refused); `unsandboxed` (optional mode, no bubblewrap); `off`. */
  state!: 'sandboxed' | 'unavailable' | 'unsandboxed' | 'off';
  bwrap!: string | null;
  version!: string | null;
  reason!: string | null;
  fix!: string | null;
  /** What a school's `bashNetwork` gives: the filtered user-space network, or none (see networkReason). */
  network!: 'filtered' | 'none';
  networkReason!: string | null;
  /** How each sandboxed run is capped: its own cgroup v2, per-process rlimits only (and why), or none (no sandbox). */
  limits!: SandboxLimitsStatusDto;
}

export class SandboxLimitsStatusDto {
  kind!: 'cgroup2' | 'rlimit' | 'none';
  /** The delegated folder the per-run cgroups are made in. */
  cgroup!: string | null;
  reason!: string | null;
}

export class HealthJobResultDto {
  jobId!: string;
  /** Process id of the worker that ran it. */
  workerPid!: number;
  ms!: number;
}
