import path from 'node:path';

export interface LanguageServer {
  language: string;
  binary: string;
  extensions: string[];
}

const SERVERS: LanguageServer[] = [
  {
    language: 'TypeScript/JavaScript',
    binary: 'typescript-language-server',
    extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'],
  },
  { language: 'Python', binary: 'pyright-langserver', extensions: ['.py', '.pyi'] },
  { language: 'Go', binary: 'gopls', extensions: ['.go'] },
  { language: 'C/C++', binary: 'clangd', extensions: ['.c', '.h', '.cc', '.cpp', '.hpp'] },
];

export function languageServerFor(file: string): LanguageServer | undefined {
  const ext = path.extname(file).toLowerCase();
  return SERVERS.find((s) => s.extensions.includes(ext));
}

export const LSP_DESCRIPTION = `Code intelligence from a language server: go to definition, find references, hover information, document and workspace symbols, implementations and call hierarchies.

Positions are 1-based (line and character as an editor shows them). If no language server is available for the file type, the tool says so; fall back to grep and read.`;
