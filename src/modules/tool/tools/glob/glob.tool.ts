import { z } from 'zod';
import { askExternal } from '../../file-permission';
import { globFiles } from '../../../workspace/file-search';
import { findRipgrep } from '../../../workspace/ripgrep';
import { workspaceOf } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { GLOB_DESCRIPTION } from './glob.prompt';

export const GLOB_LIMIT = 100;

export const GlobParameters = z.object({
  pattern: z.string().min(1).describe('Glob pattern to match file paths against, e.g. "**/*.ts"'),
  path: z.string().optional().describe('Folder to search in (default: the project root)'),
});

export interface SearchToolOptions {
  /** Absolute ripgrep path; `null` forces the built-in fallback. Looked up once when left undefined. */
  ripgrepPath?: string | null;
  /** grep fallback only: per-file time budget of the JS regex. */
  regexTimeoutMs?: number;
}

export function createGlobTool(opts: SearchToolOptions = {}) {
  const rgPath = opts.ripgrepPath === null ? undefined : (opts.ripgrepPath ?? findRipgrep());
  return defineTool({
    id: 'glob',
    description: GLOB_DESCRIPTION,
    parameters: GlobParameters,
    async execute(args, ctx) {
      const ws = await workspaceOf(ctx.workspace);
      const dir = await ws.resolve(args.path ?? '.');
      if (!dir.stat) throw new ToolError(`Folder not found: ${args.path}`);
      if (!dir.stat.isDirectory()) throw new ToolError(`Not a folder: ${args.path}`);
      await askExternal(ctx, dir);
      // Like OpenCode, the search pattern is what gets approved; the folder is already confined.
      await ctx.ask({
        permission: 'glob',
        patterns: [args.pattern],
        always: ['*'],
        metadata: { pattern: args.pattern, path: dir.real },
      });
      const files = await globFiles(ws, dir.real, args.pattern, { rgPath, signal: ctx.abort });
      const truncated = files.length > GLOB_LIMIT;
      const shown = files.slice(0, GLOB_LIMIT).map((f) => f.absolute);
      let output = shown.length > 0 ? shown.join('\n') : 'No files found';
      if (truncated) {
        output += `\n\n(Showing the ${GLOB_LIMIT} most recently modified of ${files.length} matches. Use a narrower path or pattern to see the rest.)`;
      }
      return { title: dir.relative || '.', output, metadata: { count: shown.length, truncated } };
    },
  });
}

export const globTool = createGlobTool();
