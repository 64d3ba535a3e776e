import type { DefinedTool } from '../tool/tool.define';
import { applyPatchTool } from '../tool/tools/apply-patch/apply-patch.tool';
import { editTool } from '../tool/tools/edit/edit.tool';
import { createGlobTool, type SearchToolOptions } from '../tool/tools/glob/glob.tool';
import { createGrepTool } from '../tool/tools/grep/grep.tool';
import { invalidTool } from '../tool/tools/invalid/invalid.tool';
import { listTool } from '../tool/tools/list/list.tool';
import { multieditTool } from '../tool/tools/multiedit/multiedit.tool';
import { readTool } from '../tool/tools/read/read.tool';
import { writeTool } from '../tool/tools/write/write.tool';

/** Every workspace-confined file tool, already wrapped by defineTool(). */
export function fileTools(opts: SearchToolOptions = {}): DefinedTool[] {
  const tools = [
    readTool,
    writeTool,
    editTool,
    multieditTool,
    applyPatchTool,
    listTool,
    createGlobTool(opts),
    createGrepTool(opts),
    invalidTool,
  ];
  return tools as unknown as DefinedTool[];
}
