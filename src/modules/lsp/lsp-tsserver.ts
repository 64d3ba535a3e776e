import type { Diagnostic } from 'vscode-languageserver-protocol';

interface TsDiagnostic {
  start: { line: number; offset: number };
  end: { line: number; offset: number };
  text: string;
  code?: number;
  category?: string;
}

const SEVERITY: Record<string, 1 | 2 | 3 | 4> = { error: 1, warning: 2, suggestion: 4, message: 3 };

/**
 * A TypeScript file's syntax and semantic diagnostics, asked of tsserver synchronously through
 * typescript-language-server's `typescript.tsserverRequest` command, in LSP's shape (0-based positions).
 */
export async function tsserverDiagnostics(
  request: <R>(method: string, params: unknown) => Promise<R>,
  file: string,
): Promise<Diagnostic[]> {
  const ask = async (command: string) => {
    const answer = await request<{ body?: TsDiagnostic[] } | TsDiagnostic[] | null>('workspace/executeCommand', {
      command: 'typescript.tsserverRequest',
      arguments: [command, { file, includeLinePosition: false }],
    });
    return (Array.isArray(answer) ? answer : (answer?.body ?? [])) as TsDiagnostic[];
  };
  const [syntax, semantic] = await Promise.all([ask('syntacticDiagnosticsSync'), ask('semanticDiagnosticsSync')]);
  return [...syntax, ...semantic]
    .filter((d) => d && d.start && d.end)
    .map((d) => ({
      range: {
        start: { line: d.start.line - 1, character: d.start.offset - 1 },
        end: { line: d.end.line - 1, character: d.end.offset - 1 },
      },
      severity: SEVERITY[d.category ?? 'error'] ?? 1,
      ...(d.code !== undefined ? { code: d.code } : {}),
      source: 'typescript',
      message: d.text,
    }));
}
