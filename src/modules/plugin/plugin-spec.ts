import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One platform plugin: the name schools turn it on and off by, the file that is loaded, its options. */
export interface PluginSpec {
  name: string;
  file: string;
  options: Record<string, unknown>;
  /** Where it was named: the platform config's `plugin` key or the platform plugin folder. */
  source: 'config' | 'dir';
}

export class PluginSpecError extends Error {}

const PLUGIN_FILE = /\.(m|c)?js$/;
const isPath = (spec: string) => spec.startsWith('file://') || spec.startsWith('/') || spec.startsWith('.');

/** `@scope/name@1.2.3` → `@scope/name`: the deployment installed one version; the spec's is not fetched. */
function packageName(spec: string): string {
  const at = spec.lastIndexOf('@');
  return at > 0 ? spec.slice(0, at) : spec;
}

/** The module file of an installed package, by its `exports` (import, then default, require) or `main`. */
export function packageEntry(name: string, from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name);
    const manifest = path.join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const root = (
        typeof pkg.exports === 'object' && pkg.exports && '.' in pkg.exports
          ? (pkg.exports as Record<string, unknown>)['.']
          : pkg.exports
      ) as string | Record<string, unknown> | undefined;
      const target =
        typeof root === 'string'
          ? root
          : ([root?.import, root?.default, root?.require].find((t) => typeof t === 'string') as string | undefined);
      return path.join(pkgDir, target ?? pkg.main ?? 'index.js');
    }
    if (path.dirname(dir) === dir) throw new PluginSpecError(`plugin ${name}: package not installed`);
  }
}

function fromEntry(entry: string | [string, Record<string, unknown>], cwd: string): PluginSpec {
  const [spec, options] = typeof entry === 'string' ? [entry, {}] : entry;
  if (isPath(spec)) {
    const file = spec.startsWith('file://') ? fileURLToPath(spec) : path.resolve(cwd, spec);
    if (!existsSync(file)) throw new PluginSpecError(`plugin ${spec}: no such file`);
    return { name: path.basename(file).replace(PLUGIN_FILE, ''), file, options, source: 'config' };
  }
  const name = packageName(spec);
  return { name, file: packageEntry(name, cwd), options, source: 'config' };
}

/**
 * The platform's plugins: the `plugin` entries of the platform config layer (npm packages installed with the
 * deployment, or files) and every .js/.mjs/.cjs file of the platform plugin folder. Never a school's or a
 * project's config: those layers are not read here. Two plugins with one name are a boot error.
 */
export function platformPluginSpecs(
  entries: (string | [string, Record<string, unknown>])[] | undefined,
  dir: string | undefined,
  cwd: string,
): PluginSpec[] {
  const specs = (entries ?? []).map((entry) => fromEntry(entry, cwd));
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new PluginSpecError(`OPENCODE_PLUGIN_DIR: ${dir} is not a folder`);
    for (const file of readdirSync(dir)
      .filter((f) => PLUGIN_FILE.test(f))
      .sort())
      specs.push({ name: file.replace(PLUGIN_FILE, ''), file: path.join(dir, file), options: {}, source: 'dir' });
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new PluginSpecError(`plugin ${spec.name}: named twice`);
    seen.add(spec.name);
  }
  return specs;
}
