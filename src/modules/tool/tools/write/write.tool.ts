import { z } from 'zod';
import { fileDiff } from '../../../workspace/file-diff';
import { withFileLock } from '../../../workspace/file-lock';
import { askEdit } from '../../file-permission';
import { workspaceOf } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { WRITE_DESCRIPTION } from './write.prompt';

export const WriteParameters = z.object({
  filePath: z
    .string()
    .describe('Path of the file to write: relative to the project root, or absolute inside the project'),
  content: z.string().describe('The complete content to write into the file'),
});

export const writeTool = defineTool({
  id: 'write',
  description: WRITE_DESCRIPTION,
  parameters: WriteParameters,
  async execute(args, ctx) {
    const ws = await workspaceOf(ctx.workspace);
    const target = await ws.resolve(args.filePath, { write: true });
    return withFileLock(target.real, async () => {
      const exists = target.stat !== undefined;
      const before = exists ? await ws.readText(target.real) : '';
      const diff = fileDiff(target.relative, before, args.content);
      await askEdit(ctx, [target], { filepath: target.real, diff: diff.patch });
      await ws.writeText(target.real, args.content);
      ctx.services?.fileEdited?.(target.real);
      return {
        title: target.relative,
        output: exists ? 'Wrote file successfully (replaced the previous content).' : 'Wrote file successfully.',
        metadata: { filepath: target.real, exists, diff: diff.patch, filediff: diff, diagnostics: {} },
      };
    });
  },
});
