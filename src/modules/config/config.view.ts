import type { AuthContext } from '../../core/auth/auth-context';
import type { Config } from './config.schema';

// What `GET /config` and `GET /global/config` show. OpenCode's config has no secrets-free view because one person
// reads their own file; here a student reads the config their school and teacher wrote. Students get an allow-list
// (agents, models, limits): a field appears only because it is listed below, so a secret planted anywhere else —
// at any depth, under any name — never reaches them. Staff get the whole config with every secret-looking value
// masked at any depth.

const REDACTED = '[redacted]';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Shape = true | { [key: string]: Shape } | { '*': Shape };

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const LIMIT: Shape = { context: true, input: true, output: true };
const MODEL: Shape = {
  name: true,
  family: true,
  release_date: true,
  attachment: true,
  reasoning: true,
  temperature: true,
  tool_call: true,
  status: true,
  experimental: true,
  limit: LIMIT,
  modalities: { input: true, output: true },
};
const AGENT: Shape = {
  description: true,
  mode: true,
  model: true,
  variant: true,
  temperature: true,
  top_p: true,
  color: true,
  disable: true,
  hidden: true,
  steps: true,
  maxSteps: true,
};

/** The student's view: these keys only, and only scalar values (or arrays of scalars) at the leaves. */
const STUDENT_VIEW: Shape = {
  $schema: true,
  model: true,
  small_model: true,
  default_agent: true,
  share: true,
  snapshot: true,
  layout: true,
  agent: { '*': AGENT },
  provider: { '*': { name: true, models: { '*': MODEL } } },
  tool_output: { max_lines: true, max_bytes: true },
  attachment: { image: { auto_resize: true, max_width: true, max_height: true, max_base64_bytes: true } },
  compaction: { auto: true, prune: true },
};

function pick(value: unknown, shape: Shape): Json | undefined {
  if (shape === true) {
    if (scalar(value)) return value;
    if (Array.isArray(value) && value.every(scalar)) return value;
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, Json> = {};
  const any = (shape as { '*'?: Shape })['*'];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const sub = any ?? (Object.hasOwn(shape, key) ? (shape as Record<string, Shape>)[key] : undefined);
    if (!sub) continue;
    const picked = pick(child, sub);
    if (picked !== undefined) out[key] = picked;
  }
  return out;
}

export function studentConfigView(config: Config): Config {
  return (pick(config, STUDENT_VIEW) ?? {}) as Config;
}

// Names that hold credentials wherever they appear, and maps whose every value is one.
const SECRET_KEY = /api[-_]?key|secret|token|passw(or)?d|credential|authori[sz]ation|cookie|private[-_]?key|^key$/i;
const SECRET_MAPS = new Set(['headers', 'environment', 'env_values', 'query']);

function mask(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, parentKey));
  if (typeof value === 'string') return maskUrl(value);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const allSecret = SECRET_MAPS.has(parentKey);
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    // Numbers and booleans carry no credential (`preserve_recent_tokens: 8000` stays).
    if ((allSecret || SECRET_KEY.test(key)) && typeof child === 'string') out[key] = REDACTED;
    else if (SECRET_KEY.test(key) && child && typeof child === 'object') out[key] = REDACTED;
    else out[key] = mask(child, key);
  }
  return out;
}

/** Credentials inside a URL: `https://user:pass@host/?token=…` keeps its host, loses the rest. */
function maskUrl(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (!url.username && !url.password && !url.search) return value;
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?' + REDACTED : ''}`;
  } catch {
    return value;
  }
}

/** Staff (teachers, admins) see every field with its secrets masked at any depth. */
export function redactSecrets(config: Config): Config {
  return mask(structuredClone(config)) as Config;
}

export function configView(auth: AuthContext, config: Config): Config {
  return auth.role === 'student' && !auth.platformAdmin ? studentConfigView(config) : redactSecrets(config);
}
