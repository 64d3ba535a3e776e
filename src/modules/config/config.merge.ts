// Config layering. Documents merge deeply with later layers winning, as OpenCode does; on top of that a
// layer may pin paths so that no later (less trusted) layer can change them: the platform pins the model
// list, a tenant pins its student guardrails, and a project cannot undo either.
import { fromConfig, fromLegacyTools, merge, type Ruleset } from '../permission/permission.rules';
import type { Config } from './config.schema';

type Json = Record<string, unknown>;

/** Top-level arrays that accumulate across layers instead of being replaced. */
const CONCAT_KEYS = new Set(['instructions', 'plugin']);

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asPermissionObject(value: unknown): Json | undefined {
  if (typeof value === 'string') return { '*': value };
  return isPlainObject(value) ? value : undefined;
}

// Key-wise, keeping the first layer's key order. A later bare action replaces (it is a complete
// statement); a later object refines an earlier bare action as if it had been written `{"*": action}`.
function mergePermission(base: unknown, next: unknown): unknown {
  if (!isPlainObject(next)) return next;
  const left = asPermissionObject(base);
  if (!left) return next;
  const out: Json = { ...left };
  for (const [key, value] of Object.entries(next)) {
    if (isPlainObject(value)) {
      const prior = asPermissionObject(out[key]);
      out[key] = prior ? { ...prior, ...value } : value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function uniqueConcat(a: unknown[], b: unknown[]): unknown[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function mergeValue(key: string, base: unknown, next: unknown, depth: number): unknown {
  if (next === undefined) return base;
  if (key === 'permission') return mergePermission(base, next);
  if (depth === 0 && CONCAT_KEYS.has(key) && Array.isArray(base) && Array.isArray(next))
    return uniqueConcat(base, next);
  if (isPlainObject(base) && isPlainObject(next)) return mergeObjects(base, next, depth + 1);
  return next;
}

function mergeObjects(base: Json, next: Json, depth: number): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(next)) out[key] = mergeValue(key, out[key], value, depth);
  return out;
}

/** Deep merge, later layers winning; `instructions` and `plugin` concatenate; `permission` merges key-wise. */
export function mergeConfig(...layers: (Config | undefined)[]): Config {
  let out: Json = {};
  for (const layer of layers) if (layer) out = mergeObjects(out, layer, 0);
  return out as Config;
}

/** A path inside a config document: dotted (`permission.bash`) or pre-split when a key holds dots. */
export type ConfigPath = string | string[];

export interface ConfigLayer {
  /** Where the layer comes from, e.g. `platform`, `tenant:ten_…`, `project:prj_…`. */
  source: string;
  config: Config;
  /** Paths this layer fixes: later layers' values at or below them are discarded. */
  pin?: ConfigPath[];
}

export interface OverriddenPin {
  /** The dotted path a later layer tried to set. */
  path: string;
  /** The layer whose value was discarded. */
  source: string;
  /** The layer that pinned it. */
  pinnedBy: string;
}

function splitPath(path: ConfigPath): string[] {
  return Array.isArray(path) ? path : path.split('.');
}

// Removes `path` from a copy of `doc`, normalising a bare permission action so a pinned sub-key can be
// removed from it. Returns whether anything was there.
function stripPath(doc: Json, path: string[]): boolean {
  let node: Json = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    let child = node[key];
    if (key === 'permission' && typeof child === 'string') child = { '*': child };
    if (!isPlainObject(child)) return false;
    node[key] = { ...child };
    node = node[key] as Json;
  }
  const last = path[path.length - 1];
  if (!(last in node)) return false;
  delete node[last];
  return true;
}

export interface MergedLayers {
  config: Config;
  /** Values later layers set on pinned paths, which were ignored (worth a warning to whoever wrote them). */
  overridden: OverriddenPin[];
}

export function mergeConfigLayers(layers: ConfigLayer[]): MergedLayers {
  const pins: { path: string[]; source: string }[] = [];
  const overridden: OverriddenPin[] = [];
  let merged: Config = {};
  for (const layer of layers) {
    const doc: Json = { ...layer.config };
    for (const pin of pins) {
      if (stripPath(doc, pin.path))
        overridden.push({ path: pin.path.join('.'), source: layer.source, pinnedBy: pin.source });
    }
    merged = mergeConfig(merged, doc as Config);
    for (const path of layer.pin ?? []) pins.push({ path: splitPath(path), source: layer.source });
  }
  return { config: merged, overridden };
}

/** A document's own rules: deprecated `tools` switches first, then `permission` (which refines them). */
export function configRuleset(config: Config, opts: { home?: string } = {}): Ruleset {
  return merge(fromLegacyTools(config.tools), fromConfig(config.permission, opts));
}

/** `agent` entries with the deprecated `mode` entries under them (same shape; `agent` wins). */
export function configAgents(config: Config): NonNullable<Config['agent']> {
  const out: NonNullable<Config['agent']> = {};
  for (const [name, entry] of Object.entries(config.mode ?? {})) out[name] = entry;
  for (const [name, entry] of Object.entries(config.agent ?? {}))
    out[name] = out[name] ? (mergeObjects(out[name] as Json, entry as Json, 1) as typeof entry) : entry;
  return out;
}
