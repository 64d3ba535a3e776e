import type { DefinedTool } from '../tool.define';
import { applyPatchTool } from './apply-patch/apply-patch.tool';
import { editTool } from './edit/edit.tool';
import { createGlobTool, type SearchToolOptions } from './glob/glob.tool';
import { createGrepTool } from './grep/grep.tool';
import { invalidTool } from './invalid/invalid.tool';
import { listTool } from './list/list.tool';
import { multieditTool } from './multiedit/multiedit.tool';
import { readTool } from './read/read.tool';
import { writeTool } from './write/write.tool';

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
