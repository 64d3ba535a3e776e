import type { Workspace } from '../../workspace/workspace';

/** What prettier formats without plugins. */
export const PRETTIER_EXTENSIONS = [
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.json',
  '.jsonc',
  '.json5',
  '.css',
  '.scss',
  '.less',
  '.html',
  '.htm',
  '.vue',
  '.md',
  '.mdx',
  '.yaml',
  '.yml',
  '.graphql',
  '.gql',
  '.hbs',
  '.handlebars',
];

export const PRETTIER_CONFIG_FILES = [
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.json5',
  '.prettierrc.yaml',
  '.prettierrc.yml',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  '.prettierrc.cts',
  '.prettierrc.mts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts',
  'prettier.config.cts',
  'prettier.config.mts',
];

/**
 * Whether the project asks for prettier: a prettier configuration file at its root, a `prettier` key in its
 * package.json, or prettier among its (dev)dependencies (OpenCode's rule). Read through the workspace.
 */
export async function usesPrettier(ws: Workspace): Promise<boolean> {
  for (const name of PRETTIER_CONFIG_FILES) if ((await ws.stat(name).catch(() => undefined))?.isFile()) return true;
  const pkg = await ws
    .readText('package.json', { maxBytes: 1024 * 1024 })
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => undefined);
  if (!pkg || typeof pkg !== 'object') return false;
  if (pkg.prettier !== undefined) return true;
  return ['dependencies', 'devDependencies'].some((key) => {
    const deps = pkg[key];
    return !!deps && typeof deps === 'object' && 'prettier' in deps;
  });
}

/** One argument for `sh -c`, single-quoted. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
