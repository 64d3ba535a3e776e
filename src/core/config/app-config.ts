import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { EgressAllowList } from '../net/egress-allow-list';
import { DEFAULT_ABUSE_LIMITS, LIMIT_BOUNDS, LIMIT_ENV, type AbuseLimits } from './abuse-limits';

// The only place that reads process.env (STYLE rule 8): parsed once at boot into a typed, frozen object.
// Bad values are fatal with a message naming the variable.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Shared loops and LLM calls per core (LOOPS_SHARED, LLM_CALLS_SHARED): see docs/operations.md, Fairness. */
const FAIR_SHARE_PER_CORE = 4;

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4096),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  /** `off`: a commit does not wait for its WAL flush (a database crash may lose the last fraction of a second). */
  DATABASE_SYNCHRONOUS_COMMIT: z.enum(['on', 'off']).default('off'),
  DATABASE_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'), // off behind a transaction-mode pooler
  REDIS_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  WORKSPACE_ROOT: z.string().optional(),
  WORKERS_IN_API: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  BOOTSTRAP_API_KEY: z.string().min(16).optional(),
  /** Comma-separated `version:base64key` pairs; the highest version encrypts. */
  ENCRYPTION_KEYS: z.string().optional(),
  OPENCODE_CONFIG: z.string().optional(),
  OPENCODE_CONFIG_CONTENT: z.string().optional(),
  /** A platform folder whose .js/.mjs/.cjs files are plugins, beside the `plugin` entries of the platform config. */
  OPENCODE_PLUGIN_DIR: z.string().min(1).optional(),
  /** Each plugin hook call (and a plugin's start) gets this long before it is abandoned and counted. */
  PLUGIN_HOOK_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  /** Safe by default: without a usable bubblewrap, commands are refused (the rest of the server still runs). */
  SANDBOX: z.enum(['required', 'optional', 'off']).default('required'),
  /** bubblewrap's path; default: the first `bwrap` on PATH (so a PATH without it means "not installed"). */
  SANDBOX_BWRAP: z.string().min(1).optional(),
  /** A delegated cgroup v2 folder (e.g. /sys/fs/cgroup/opencode-runs) for one cgroup per sandboxed run. */
  SANDBOX_CGROUP: z.string().startsWith('/').optional(),
  PUBLIC_URL: z.string().url().optional(),
  EVENT_REPLAY_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
  EVENT_DELTA_BATCH_MS: z.coerce.number().int().min(0).max(1000).default(50), // the delta clock, see EventBus
  EVENT_DELTA_MAX_MS: z.coerce.number().int().min(0).max(1000).default(100), // its longest while behind, see EventBus
  /** Admission control: new prompts and event streams get a 503 while the event loop is this far behind (0: off). */
  OVERLOAD_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(500),
  OVERLOAD_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(5),
  /** Backstop re-validation of open event streams' rights (the bus's access-changed events close them at once). */
  ACCESS_RECHECK_MS: z.coerce.number().int().min(100).max(10_000).default(5_000),
  /** Backstop expiry of cached agent and model policies (every change is announced on the bus and applies at once). */
  POLICY_CACHE_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  PERMISSION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(1_800_000), // 30 min
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(0).default(8),
  RUN_LEASE_MS: z.coerce.number().int().min(1000).default(4_000),
  EMBEDDED_DB_MEMORY: bool.optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  ALLOW_ENV_PROVIDER_KEYS: bool.optional(),
  /** Comma-separated private/loopback places tenants' outbound traffic may reach: `10.0.0.0/8,llm.campus:8000`. */
  EGRESS_ALLOW: z.string().optional(),
  /** Terminals (/pty): open at once per user and per API process, idle minutes before one is closed, replay size. */
  PTY_PER_USER: z.coerce.number().int().min(0).max(100).default(4),
  PTY_MAX: z.coerce.number().int().min(0).max(10_000).default(64),
  PTY_IDLE_MS: z.coerce.number().int().min(1000).default(1_800_000), // 30 min
  PTY_BUFFER_CHARS: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Language servers (lsp tool, diagnostics): per school and per API process, idle time before one stops, heap MB. */
  LSP_PER_TENANT: z.coerce.number().int().min(0).max(1000).default(8),
  LSP_MAX: z.coerce.number().int().min(0).max(10_000).default(32),
  LSP_IDLE_MS: z.coerce.number().int().min(1000).default(600_000), // 10 min
  LSP_MEMORY_MB: z.coerce.number().int().min(128).max(16_384).default(768),
  LSP_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** Offer the `lsp` tool to the model (OpenCode: OPENCODE_EXPERIMENTAL_LSP_TOOL). Diagnostics after edits need no flag. */
  LSP_TOOL: bool.optional(),
  /** websearch/codesearch: `auto` = Exa with EXA_API_KEY, else the keyless DuckDuckGo fallback; `off` = not offered. */
  WEB_SEARCH: z.enum(['auto', 'off']).default('auto'),
  /** `loopback`, `uniquelocal`, a hop count or addresses: whose X-Forwarded-For names the client (share limits per IP). */
  TRUST_PROXY: z.string().optional(),
  /** A bearer token Prometheus scrapes /metrics with (besides platform administrators' keys); unset: admins only. */
  METRICS_TOKEN: z.string().min(24).optional(),
  /** Worker processes: the port of their own /metrics listener (unset: none). Needs METRICS_TOKEN. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).optional(),
  /** Fairness between schools, per process: loops and LLM calls at once, per school and in total (0: no cap). */
  LOOPS_PER_TENANT: z.coerce.number().int().min(0).max(100_000).default(200),
  LOOPS_MAX: z.coerce.number().int().min(0).max(100_000).default(2000),
  LLM_CALLS_PER_TENANT: z.coerce.number().int().min(0).max(100_000).default(100),
  LLM_CALLS_MAX: z.coerce.number().int().min(0).max(100_000).default(1000),
  /** The slots shared out between the schools busy at once (a school alone is held only by the caps above): sized
   * from the cores, since on a full CPU it is the CPU, not a slot, that one school's rush takes (0: no share). */
  LOOPS_SHARED: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(FAIR_SHARE_PER_CORE * availableParallelism()),
  LLM_CALLS_SHARED: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(FAIR_SHARE_PER_CORE * availableParallelism()),
  /** Prompt intakes (checks and the stored user turn) shared out between busy schools (0: no share). */
  PROMPT_INTAKES_SHARED: z.coerce.number().int().min(0).max(100_000).default(availableParallelism()),
  /** A school stays busy (keeps its share) this long after its last loop or call ended: its students think. */
  FAIR_BUSY_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** How long a lighter school's prompt may hold heavier schools' streams while it waits for its first output. */
  FAIR_PRIORITY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** OpenTelemetry traces go to this OTLP/HTTP endpoint (e.g. http://collector:4318); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  ...limitEnv(),
});

/** `LIMIT_*`: the platform's default abuse limits, each within the bounds a school admin may set. */
function limitEnv() {
  return Object.fromEntries(
    (Object.keys(LIMIT_ENV) as (keyof AbuseLimits)[]).map((k) => [
      LIMIT_ENV[k],
      z.coerce.number().int().min(LIMIT_BOUNDS[k][0]).max(LIMIT_BOUNDS[k][1]).default(DEFAULT_ABUSE_LIMITS[k]),
    ]),
  ) as Record<string, z.ZodDefault<z.ZodCoercedNumber>>;
}

export interface AppConfig {
  env: string;
  port: number;
  host: string;
  databaseUrl?: string;
  /** The server's own connections to DATABASE_URL wait for the WAL flush of each commit (`synchronous_commit`). */
  databaseSynchronousCommit: boolean;
  databasePreparedStatements: boolean; // the server's statements named: parsed and planned once per connection
  redisUrl?: string;
  dataDir: string;
  workspaceRoot: string;
  snapshotRoot: string;
  toolOutputDir: string;
  workersInApi: boolean;
  logLevel: string;
  /** `pretty` (readable, for a person at a terminal) or `json` (one object a line, for machines). */
  logFormat: 'json' | 'pretty';
  bootstrapApiKey?: string;
  encryptionKeys: Map<number, Buffer>;
  opencodeConfigPath?: string;
  opencodeConfigContent?: string;
  /** Platform plugins: the folder of plugin files (OPENCODE_PLUGIN_DIR) and each hook's time limit. */
  plugins: { dir?: string; hookTimeoutMs: number };
  sandbox: 'required' | 'optional' | 'off';
  /** Absolute path of bwrap, or null when none is on PATH. */
  sandboxBwrap: string | null;
  /** Delegated cgroup v2 folder for per-run cgroups; unset: rlimits only. */
  sandboxCgroup?: string;
  publicUrl?: string;
  eventReplaySize: number;
  heartbeatMs: number;
  /** The delta clock's period, and the longest it stretches to while the process is behind (EventBus). */
  deltaBatchMs: number;
  deltaMaxMs: number;
  /** Admission control (core/http/overload-gate.ts): prompts and streams refused while the loop is `lagMs` behind. */
  overload: { lagMs: number; retryAfterS: number };
  accessRecheckMs: number;
  /** How long a process keeps a user's agent and model policies if no change reaches it over the bus. */
  policyCacheMs: number;
  permissionTimeoutMs: number;
  retryMaxAttempts: number;
  runLeaseMs: number;
  embeddedDbInMemory: boolean;
  shutdownGraceMs: number;
  /** Platform-wide provider keys from the environment (OPENAI_API_KEY, ...), used as a fallback. */
  providerEnv: Readonly<Record<string, string>>;
  allowEnvProviderKeysByDefault: boolean;
  /** EGRESS_ALLOW: the platform's exceptions to the egress guard (nothing private is reachable without one). */
  egressAllow: EgressAllowList;
  /** Terminal limits: per user, per process, idle time before closing, replay buffer in characters. */
  pty: { perUser: number; max: number; idleMs: number; bufferChars: number };
  /** Language servers: per school, per process, idle time before stopping, heap cap of each, request timeout. */
  lsp: { perTenant: number; max: number; idleMs: number; memoryMb: number; timeoutMs: number };
  /** Whether the model is offered the `lsp` tool. */
  lspTool: boolean;
  /** Express's `trust proxy` (unset: the socket's peer is the client). */
  trustProxy?: string;
  /** WEB_SEARCH: whether websearch and codesearch are offered (with Exa or the keyless fallback). */
  webSearch: 'auto' | 'off';
  /** The platform's default abuse limits; a school's settings override them. */
  defaultLimits: Readonly<AbuseLimits>;
  /** Who may scrape /metrics besides platform admins, and where a worker serves its own. */
  metrics: { token?: string; port?: number; host: string };
  /** Per-process caps, per school and in total, on running loops and LLM calls; 0 means uncapped. */
  fairness: {
    loopsPerTenant: number;
    loopsMax: number;
    llmPerTenant: number;
    llmMax: number;
    loopsShared: number;
    llmShared: number;
    intakesShared: number;
    busyWindowMs: number;
    priorityMs: number;
  };
  /** OpenTelemetry: off unless an OTLP endpoint is configured. */
  otel: { endpoint?: string; serviceName: string };
}

export class ConfigError extends Error {}

const PROVIDER_ENV =
  /(_API_KEY|_API_TOKEN|_BASE_URL|_ACCOUNT_ID|_RESOURCE_NAME|_PROJECT|_LOCATION|_REGION|^AWS_|^AICORE_|^AZURE_|^GOOGLE_|^VERTEX_|^OLLAMA_|^LMSTUDIO_|^VLLM_|^EXA_)/;

function parseKeys(raw: string | undefined): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  if (!raw) return keys;
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [v, k] = entry.split(':');
    const version = Number(v);
    const key = Buffer.from(k ?? '', 'base64');
    if (!Number.isInteger(version) || version < 1 || key.length !== 32) {
      throw new ConfigError(`ENCRYPTION_KEYS: entry "${v}:…" must be <version>:<base64 of 32 bytes>`);
    }
    keys.set(version, key);
  }
  return keys;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable is an unset one: compose passes `${BOOTSTRAP_API_KEY:-}` as "" when the operator sets nothing,
  // and that must mean the default, not a too-short key that stops the server.
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  let egressAllow: EgressAllowList;
  try {
    egressAllow = EgressAllowList.parse(e.EGRESS_ALLOW);
  } catch (error) {
    throw new ConfigError(`EGRESS_ALLOW: ${(error as Error).message}`);
  }
  if (e.METRICS_PORT && !e.METRICS_TOKEN)
    throw new ConfigError('METRICS_PORT: a worker serves /metrics only to METRICS_TOKEN; set it too');
  const dataDir = path.resolve(e.DATA_DIR);
  const providerEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v && PROVIDER_ENV.test(k)) providerEnv[k] = v;
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseSynchronousCommit: e.DATABASE_SYNCHRONOUS_COMMIT === 'on',
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS === 'on',
    redisUrl: e.REDIS_URL,
    dataDir,
    workspaceRoot: path.resolve(e.WORKSPACE_ROOT ?? path.join(dataDir, 'workspaces')),
    snapshotRoot: path.join(dataDir, 'snapshots'),
    toolOutputDir: path.join(dataDir, 'tool-output'),
    // One process owns everything in embedded mode; with Redis, workers normally run in `npm run worker`.
    workersInApi: e.WORKERS_IN_API ?? !e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    // A person at a terminal gets readable lines; pipes, files and containers get JSON.
    logFormat: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    bootstrapApiKey: e.BOOTSTRAP_API_KEY,
    encryptionKeys: parseKeys(e.ENCRYPTION_KEYS),
    opencodeConfigPath: e.OPENCODE_CONFIG,
    opencodeConfigContent: e.OPENCODE_CONFIG_CONTENT,
    plugins: {
      dir: e.OPENCODE_PLUGIN_DIR ? path.resolve(e.OPENCODE_PLUGIN_DIR) : undefined,
      hookTimeoutMs: e.PLUGIN_HOOK_TIMEOUT_MS,
    },
    sandbox: e.SANDBOX,
    sandboxBwrap: e.SANDBOX_BWRAP ?? findOnPath('bwrap', env.PATH ?? DEFAULT_PATH),
    sandboxCgroup: e.SANDBOX_CGROUP,
    publicUrl: e.PUBLIC_URL,
    eventReplaySize: e.EVENT_REPLAY_SIZE,
    heartbeatMs: e.HEARTBEAT_MS,
    deltaBatchMs: e.EVENT_DELTA_BATCH_MS,
    deltaMaxMs: e.EVENT_DELTA_MAX_MS,
    overload: { lagMs: e.OVERLOAD_LAG_MS, retryAfterS: e.OVERLOAD_RETRY_AFTER_S },
    accessRecheckMs: e.ACCESS_RECHECK_MS,
    policyCacheMs: e.POLICY_CACHE_MS,
    permissionTimeoutMs: e.PERMISSION_TIMEOUT_MS,
    retryMaxAttempts: e.RETRY_MAX_ATTEMPTS,
    runLeaseMs: e.RUN_LEASE_MS,
    embeddedDbInMemory: e.EMBEDDED_DB_MEMORY ?? false,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    providerEnv: Object.freeze(providerEnv),
    allowEnvProviderKeysByDefault: e.ALLOW_ENV_PROVIDER_KEYS ?? true,
    egressAllow,
    pty: { perUser: e.PTY_PER_USER, max: e.PTY_MAX, idleMs: e.PTY_IDLE_MS, bufferChars: e.PTY_BUFFER_CHARS },
    lsp: {
      perTenant: e.LSP_PER_TENANT,
      max: e.LSP_MAX,
      idleMs: e.LSP_IDLE_MS,
      memoryMb: e.LSP_MEMORY_MB,
      timeoutMs: e.LSP_TIMEOUT_MS,
    },
    lspTool: e.LSP_TOOL ?? false,
    trustProxy: e.TRUST_PROXY,
    webSearch: e.WEB_SEARCH,
    defaultLimits: Object.freeze(
      Object.fromEntries(
        (Object.keys(LIMIT_ENV) as (keyof AbuseLimits)[]).map((k) => [k, (e as Record<string, unknown>)[LIMIT_ENV[k]]]),
      ) as unknown as AbuseLimits,
    ),
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST },
    fairness: {
      loopsPerTenant: e.LOOPS_PER_TENANT,
      loopsMax: e.LOOPS_MAX,
      llmPerTenant: e.LLM_CALLS_PER_TENANT,
      llmMax: e.LLM_CALLS_MAX,
      loopsShared: e.LOOPS_SHARED,
      llmShared: e.LLM_CALLS_SHARED,
      intakesShared: e.PROMPT_INTAKES_SHARED,
      busyWindowMs: e.FAIR_BUSY_WINDOW_MS,
      priorityMs: e.FAIR_PRIORITY_MS,
    },
    otel: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME ?? 'opencode-api' },
  });
}

/** What execvp searches when PATH is unset. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function findOnPath(binary: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d))) {
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Nest injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
