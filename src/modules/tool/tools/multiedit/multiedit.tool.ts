import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { editFile } from '../edit/edit.tool';
import { MULTIEDIT_DESCRIPTION } from './multiedit.prompt';

export const MultieditParameters = z.object({
  filePath: z
    .string()
    .describe('Path of the file to change: relative to the project root, or absolute inside the project'),
  edits: z
    .array(
      z.object({
        filePath: z.string().optional().describe('Ignored; the top-level filePath is used'),
        oldString: z.string().describe('The exact text to replace (empty only on the first edit, to create the file)'),
        newString: z.string().describe('The replacement text'),
        replaceAll: z.boolean().optional().describe('Replace every occurrence (default false)'),
      }),
    )
    .min(1)
    .describe('Edits applied in order; all succeed or none is written'),
});

export const multieditTool = defineTool({
  id: 'multiedit',
  description: MULTIEDIT_DESCRIPTION,
  parameters: MultieditParameters,
  async execute(args, ctx) {
    const edits = args.edits.map(({ oldString, newString, replaceAll }) => ({ oldString, newString, replaceAll }));
    try {
      return await editFile(ctx, args.filePath, edits);
    } catch (err) {
      if (err instanceof ToolError) throw new ToolError(`${err.message}\nNo changes were written.`);
      throw err;
    }
  },
});
