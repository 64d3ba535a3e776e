import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { AuthContext } from '../auth/auth-context';

/** Where a school's users see their projects: `/workspace/<project slug>`, the same for every API process. */
export const VIRTUAL_WORKSPACE = '/workspace';
/** Where they see the rest of the server's data folder (tool output, state, config), tenant ids left out. */
export const VIRTUAL_DATA = '/opencode';

export function virtualProjectPath(slug: string): string {
  return `${VIRTUAL_WORKSPACE}/${slug}`;
}

/** A project slug (`<owner id>--<name>`): the first segment of every virtual project path. */
const SLUG = /^[A-Za-z0-9_-]+--[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The host path for a path a client was shown (`/workspace/<slug>/…` → `<WORKSPACE_ROOT>/<tenant>/<slug>/…`);
 * anything else — `/workspace/app` from a client's own container included — is returned as it came. Lexical
 * only: callers still confine the result.
 */
export function hostPathOf(workspaceRoot: string, tenantId: string, p: string): string {
  const normal = path.posix.normalize(p);
  if (!normal.startsWith(VIRTUAL_WORKSPACE + '/')) return p;
  const rest = normal.slice(VIRTUAL_WORKSPACE.length);
  if (!SLUG.test(rest.split('/')[1] ?? '')) return p;
  return path.join(path.resolve(workspaceRoot), tenantId, rest);
}

interface Rule {
  pattern: RegExp;
  replacement: string;
}

/** A path-like character: a root only matches where no such character touches it (`/data` is not `/database`). */
const PATH_CHAR = '[A-Za-z0-9_.-]';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spellings of a folder: as configured and as the disk resolves it; raw and as it appears inside JSON text. */
function spellings(dir: string): string[] {
  const forms = new Set([path.resolve(dir)]);
  try {
    forms.add(realpathSync(dir));
  } catch {
    // not created yet: only the configured spelling can appear in output
  }
  for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  // Longest first, so a real path that extends a configured one is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

function rule(from: string, suffix: string, replacement: string): Rule {
  return {
    // Inside JSON text a path may follow an escape (`\n/data/…`): a path character after a backslash is no neighbour.
    pattern: new RegExp(`(?<!(?<!\\\\)${PATH_CHAR})${escapeRegExp(from)}${suffix}(?!${PATH_CHAR})`, 'g'),
    replacement,
  };
}

/**
 * Host paths as one caller may see them. The server keeps and uses host paths everywhere (the sandbox, git, the
 * model's context); what leaves over HTTP or SSE for a school's user is rewritten here, so no answer or event
 * carries the data directory's layout or a tenant id: `<WORKSPACE_ROOT>/<tenant>` becomes `/workspace`, the data
 * directory's `<area>/<tenant>` becomes `/opencode/<area>`, the rest of it `/opencode`. Platform administrators
 * run the host and see it as it is.
 */
export class HostPaths {
  private readonly workspaceRoots: string[];
  private readonly dataDirs: string[];
  private readonly cache = new Map<string, PathRewrite>();

  constructor(roots: { workspaceRoot: string; dataDir: string }) {
    this.workspaceRoots = spellings(roots.workspaceRoot);
    this.dataDirs = spellings(roots.dataDir);
  }

  /** The rewrite for one caller's output; null when they see host paths (platform administrators). */
  viewFor(auth: Pick<AuthContext, 'tenantId' | 'platformAdmin'> | undefined): PathRewrite | null {
    if (!auth || auth.platformAdmin) return null;
    return this.forTenant(auth.tenantId);
  }

  /** The rewrite for anything a school's users or the public see of that school. */
  forTenant(tenantId: string): PathRewrite {
    let view = this.cache.get(tenantId);
    if (!view) {
      const tenant = escapeRegExp(tenantId);
      const rules = [
        ...this.workspaceRoots.map((r) => rule(r, `/${tenant}`, VIRTUAL_WORKSPACE)),
        ...this.dataDirs.map((d) => rule(d, `/(${PATH_CHAR}+)/${tenant}`, `${VIRTUAL_DATA}/$1`)),
        ...this.workspaceRoots.map((r) => rule(r, '', `${VIRTUAL_DATA}/workspaces`)),
        ...this.dataDirs.map((d) => rule(d, '', VIRTUAL_DATA)),
      ];
      view = new PathRewrite(rules, [...this.workspaceRoots, ...this.dataDirs]);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(tenantId, view);
    }
    return view;
  }
}

export class PathRewrite {
  constructor(
    private readonly rules: Rule[],
    private readonly roots: string[],
  ) {}

  /** Rewrites text (plain, or JSON: the roots' JSON spellings are matched too). */
  text(s: string): string {
    if (!this.roots.some((r) => s.includes(r))) return s;
    for (const r of this.rules) s = s.replace(r.pattern, r.replacement);
    return s;
  }

  /** A JSON-serialisable value with every string rewritten (a copy only when something changed). */
  value<T>(v: T): T {
    if (v === undefined || v === null || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'string') return this.text(v) as T;
    const json = JSON.stringify(v);
    if (json === undefined) return v;
    const out = this.text(json);
    return out === json ? v : (JSON.parse(out) as T);
  }
}
