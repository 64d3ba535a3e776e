import { z } from 'zod';
import { askExternal } from '../../file-permission';
import { grepFiles } from '../../../workspace/file-search';
import { checkRegex, checkRegexLength } from '../../../workspace/regex-worker';
import { findRipgrep } from '../../../workspace/ripgrep';
import { workspaceOf } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import type { SearchToolOptions } from '../glob/glob.tool';
import { GREP_DESCRIPTION } from './grep.prompt';

export const GREP_LIMIT = 100;
const MAX_LINE_CHARS = 2000;

export const GrepParameters = z.object({
  pattern: z.string().min(1).describe('Regular expression to search file contents for'),
  path: z.string().optional().describe('Folder or file to search (default: the project root)'),
  include: z.string().optional().describe('Only search files matching this glob, e.g. "*.ts" or "*.{ts,tsx}"'),
});

export function createGrepTool(opts: SearchToolOptions = {}) {
  const rgPath = opts.ripgrepPath === null ? undefined : (opts.ripgrepPath ?? findRipgrep());
  return defineTool({
    id: 'grep',
    description: GREP_DESCRIPTION,
    parameters: GrepParameters,
    async execute(args, ctx) {
      const ws = await workspaceOf(ctx.workspace);
      const target = await ws.resolve(args.path ?? '.');
      if (!target.stat) throw new ToolError(`Path not found: ${args.path}`);
      const isDir = target.stat.isDirectory();
      if (!isDir && !target.stat.isFile()) throw new ToolError(`Not a regular file or folder: ${args.path}`);
      try {
        // ripgrep has its own syntax; without it the pattern must compile as a JavaScript one.
        if (rgPath) checkRegexLength(args.pattern);
        else checkRegex(args.pattern);
      } catch (err) {
        throw new ToolError(`Invalid regular expression: ${(err as Error).message}`);
      }
      await askExternal(ctx, target);
      // Like OpenCode, the search pattern is what gets approved; the folder is already confined.
      await ctx.ask({
        permission: 'grep',
        patterns: [args.pattern],
        always: ['*'],
        metadata: { pattern: args.pattern, path: target.real },
      });
      let files;
      try {
        files = await grepFiles(ws, target.real, isDir, args.pattern, {
          rgPath,
          include: args.include,
          signal: ctx.abort,
          regexTimeoutMs: opts.regexTimeoutMs,
        });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new ToolError(`Search failed: ${(err as Error).message}`);
      }
      const total = files.reduce((n, f) => n + f.matches.length, 0);
      if (total === 0)
        return { title: args.pattern, output: 'No files found', metadata: { matches: 0, truncated: false } };

      const blocks: string[] = [];
      let shown = 0;
      for (const file of files) {
        if (shown >= GREP_LIMIT) break;
        const lines = [`${file.absolute}:`];
        for (const m of file.matches) {
          if (shown >= GREP_LIMIT) break;
          const text = m.text.length > MAX_LINE_CHARS ? `${m.text.slice(0, MAX_LINE_CHARS)}…` : m.text;
          lines.push(`  Line ${m.line}: ${text}`);
          shown++;
        }
        blocks.push(lines.join('\n'));
      }
      const truncated = shown < total;
      let output = `Found ${total} matches${truncated ? ` (showing the first ${shown})` : ''}\n\n${blocks.join('\n\n')}`;
      if (truncated)
        output += `\n\n(Results are cut at ${GREP_LIMIT} matches. Use a narrower path, include glob or pattern to see the rest.)`;
      return { title: args.pattern, output, metadata: { matches: total, truncated } };
    },
  });
}

export const grepTool = createGrepTool();
