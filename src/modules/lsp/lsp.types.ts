/** Where a language server runs: one project's workspace, for one school. */
export interface LspScope {
  tenantId: string;
  projectId: string;
  /** Absolute real path of the project's folder: the server's root and the sandbox's writable tree. */
  root: string;
  /** Who caused the start (audit of unsandboxed runs). */
  userId?: string;
}

/** OpenCode's `LSPStatus`. */
export interface LspStatus {
  id: string;
  name: string;
  /** The server's root, relative to the project folder (`""`: the folder itself). */
  root: string;
  status: 'connected' | 'error';
}

/** OpenCode's `FormatterStatus`. */
export interface FormatterStatus {
  name: string;
  extensions: string[];
  enabled: boolean;
}

/** OpenCode's `Symbol` (a workspace symbol with its location). */
export interface LspSymbol {
  name: string;
  kind: number;
  location: { uri: string; range: { start: Position; end: Position } };
}

export interface Position {
  line: number;
  character: number;
}

/** `lsp` / `formatter` of OpenCode's config: `false` turns all off; per id `{ disabled }` turns one off. */
export type ServerToggles = boolean | Record<string, { disabled?: boolean } & Record<string, unknown>> | undefined;

export function enabledIn(toggles: ServerToggles, id: string): boolean {
  if (toggles === false) return false;
  if (toggles && typeof toggles === 'object') return toggles[id]?.disabled !== true;
  return true;
}
