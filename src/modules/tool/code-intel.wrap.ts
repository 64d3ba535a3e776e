import type { CodeIntelService } from '../lsp/code-intel.service';
import type { DefinedTool } from './tool.define';
import type { ToolResult } from './tool.types';

/** The file tools whose changes are formatted and checked, and whether others' errors are reported too. */
const FOLLOWED: Record<string, { othersToo: boolean }> = {
  write: { othersToo: true },
  edit: { othersToo: false },
  multiedit: { othersToo: false },
  apply_patch: { othersToo: false },
};

/**
 * OpenCode's file tools format what they wrote and append the language servers' errors to their output; here
 * that follow-up is one wrapper around the tools instead of a copy in each: it reads which files changed from
 * the result's metadata (`filepath`, or apply_patch's `files`).
 */
export function withCodeIntel(tool: DefinedTool, intel: Pick<CodeIntelService, 'afterEdit'>): DefinedTool {
  const followed = FOLLOWED[tool.id];
  if (!followed) return tool;
  return {
    ...tool,
    async execute(args, ctx): Promise<ToolResult> {
      const result = await tool.execute(args, ctx);
      const files = changedFiles(result);
      const after = await intel.afterEdit(ctx.auth, ctx.workspace, files, followed.othersToo);
      return {
        ...result,
        output: result.output + after.output,
        metadata: { ...result.metadata, diagnostics: after.diagnostics },
      };
    },
  };
}

function changedFiles(result: ToolResult): string[] {
  const meta = result.metadata;
  if (typeof meta.filepath === 'string') return [meta.filepath];
  if (!Array.isArray(meta.files)) return [];
  return (meta.files as { filePath?: string; movePath?: string; type?: string }[])
    .filter((f) => f.type !== 'delete')
    .map((f) => f.movePath ?? f.filePath)
    .filter((f): f is string => typeof f === 'string');
}
