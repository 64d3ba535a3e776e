import { z } from 'zod';
import { fileDiff } from '../../../workspace/file-diff';
import { withFileLock } from '../../../workspace/file-lock';
import { askEdit } from '../../file-permission';
import { workspaceOf } from '../../../workspace/workspace';
import { WorkspaceError, WorkspaceErrorCode } from '../../../workspace/workspace.errors';
import { defineTool } from '../../tool.define';
import type { ToolContext, ToolResult } from '../../tool.types';
import { applyEdits, type EditSpec } from './edit-apply';
import { EDIT_DESCRIPTION } from './edit.prompt';

export const EditParameters = z.object({
  filePath: z
    .string()
    .describe('Path of the file to change: relative to the project root, or absolute inside the project'),
  oldString: z.string().describe('The exact text to replace (empty to create or overwrite the file)'),
  newString: z.string().describe('The replacement text (must differ from oldString)'),
  replaceAll: z.boolean().optional().describe('Replace every occurrence of oldString (default false)'),
});

/** Shared by edit and multiedit: read, apply every edit in memory, ask once, write once. */
export async function editFile(ctx: ToolContext, filePath: string, edits: EditSpec[]): Promise<ToolResult> {
  const ws = await workspaceOf(ctx.workspace);
  const target = await ws.resolve(filePath, { write: true });
  return withFileLock(target.real, async () => {
    const current = await ws.stat(target.real);
    if (current?.isDirectory()) {
      throw new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${filePath}" is a directory, not a file.`, {
        path: filePath,
      });
    }
    const before = current ? await ws.readText(target.real) : undefined;
    const after = applyEdits(before, edits);
    const diff = fileDiff(target.relative, before ?? '', after);
    await askEdit(ctx, [target], { filepath: target.real, diff: diff.patch });
    await ws.writeText(target.real, after);
    ctx.services?.fileEdited?.(target.real);
    return {
      title: target.relative,
      output: 'Edit applied successfully.',
      metadata: { filepath: target.real, diff: diff.patch, filediff: diff, diagnostics: {} },
    };
  });
}

export const editTool = defineTool({
  id: 'edit',
  description: EDIT_DESCRIPTION,
  parameters: EditParameters,
  execute(args, ctx) {
    return editFile(ctx, args.filePath, [
      { oldString: args.oldString, newString: args.newString, replaceAll: args.replaceAll },
    ]);
  },
});
