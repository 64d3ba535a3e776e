import { dirname, extname, join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { tsserverDiagnostics } from './lsp-tsserver';

/** A language server this API can run inside the sandbox: an npm package of ours, run by the system's node. */
export interface LanguageServerSpec {
  /** OpenCode's server id (`typescript`, `pyright`), also the config key under `lsp`. */
  id: string;
  /** Human name for tool messages. */
  language: string;
  extensions: string[];
  /** The argv inside the sandbox (node with the server's entry point, stdio transport). */
  argv(memoryMb: number): string[];
  /** Host package folders the server reads: bound read-only into its sandbox at the same paths. */
  packages: string[];
  /** `initializationOptions` for `initialize`. */
  initializationOptions(memoryMb: number): Record<string, unknown>;
  /** LSP language id of a file. */
  languageId(file: string): string;
  /**
   * Asks the server for a file's current diagnostics, when it can answer on demand; otherwise the client waits
   * for the server to publish them.
   */
  pull?(request: <R>(method: string, params: unknown) => Promise<R>, file: string): Promise<Diagnostic[]>;
}

/**
 * The node that runs this server, when the sandbox can see it (it binds /usr read-only: Debian's /usr/bin/node and
 * the official images' /usr/local/bin/node both qualify); else Debian's path.
 */
export const SANDBOX_NODE = process.execPath.startsWith('/usr/') ? process.execPath : '/usr/bin/node';
const NODE = SANDBOX_NODE;

/** A package's folder in our node_modules, where Node's resolution (and the sandbox's bind) will find it. */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

const TS_LANGUAGES: Record<string, string> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescriptreact',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascriptreact',
};

/**
 * The servers run here. Both are pure JavaScript packages pinned in package.json, so every deployment (and CI)
 * has the same versions and nothing is downloaded at run time (OpenCode downloads servers on first use).
 */
export const LANGUAGE_SERVERS: LanguageServerSpec[] = [
  {
    id: 'typescript',
    language: 'TypeScript/JavaScript',
    extensions: Object.keys(TS_LANGUAGES),
    argv: () => [NODE, join(packageDir('typescript-language-server'), 'lib', 'cli.mjs'), '--stdio'],
    packages: [packageDir('typescript-language-server'), packageDir('typescript')],
    initializationOptions: (memoryMb) => ({
      tsserver: { path: join(packageDir('typescript'), 'lib', 'tsserver.js'), logVerbosity: 'off' },
      // tsserver is the server's child: its heap is the one that grows with the project.
      maxTsServerMemory: memoryMb,
      hostInfo: 'opencode-api',
      preferences: { includeCompletionsForModuleExports: false },
    }),
    languageId: (file) => TS_LANGUAGES[extname(file).toLowerCase()] ?? 'typescript',
    // The server publishes each kind (syntax, semantic, suggestion) on its own and skips unchanged empty ones, so
    // "the next publish" is not "the verdict": tsserver's synchronous diagnostics are.
    pull: tsserverDiagnostics,
  },
  {
    id: 'pyright',
    language: 'Python',
    extensions: ['.py', '.pyi'],
    argv: (memoryMb) => [
      NODE,
      `--max-old-space-size=${memoryMb}`,
      join(packageDir('pyright'), 'langserver.index.js'),
      '--stdio',
    ],
    packages: [packageDir('pyright')],
    initializationOptions: () => ({}),
    languageId: () => 'python',
  },
];

export function languageServerFor(file: string): LanguageServerSpec | undefined {
  const ext = extname(file).toLowerCase();
  return LANGUAGE_SERVERS.find((s) => s.extensions.includes(ext));
}
