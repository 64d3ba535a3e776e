import path from 'node:path';
import { z } from 'zod';
import { askRead } from '../../file-permission';
import { compileGlob } from '../../../workspace/glob-match';
import { DEFAULT_IGNORED_DIRS } from '../../../workspace/ignore-rules';
import { workspaceOf } from '../../../workspace/workspace';
import { walk } from '../../../workspace/workspace-walk';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { LIST_DESCRIPTION } from './list.prompt';

export const LIST_LIMIT = 100;

export const ListParameters = z.object({
  path: z.string().optional().describe('Folder to list (default: the project root)'),
  ignore: z.array(z.string()).optional().describe('Extra glob patterns of paths to leave out'),
});

/** Renders relative file paths as an indented tree, folders before files. */
export function renderTree(rootLabel: string, files: string[]): string {
  const dirs = new Map<string, { dirs: Set<string>; files: string[] }>();
  const node = (dir: string) => {
    let n = dirs.get(dir);
    if (!n) dirs.set(dir, (n = { dirs: new Set(), files: [] }));
    return n;
  };
  node('.');
  for (const file of files) {
    const parent = path.posix.dirname(file);
    node(parent).files.push(path.posix.basename(file));
    // Register every ancestor so intermediate folders appear even without files of their own.
    for (let dir = parent; dir !== '.'; dir = path.posix.dirname(dir)) node(path.posix.dirname(dir)).dirs.add(dir);
  }
  const lines = [`${rootLabel}/`];
  const render = (dir: string, depth: number) => {
    const n = dirs.get(dir)!;
    const indent = '  '.repeat(depth);
    for (const sub of [...n.dirs].sort()) {
      lines.push(`${indent}${path.posix.basename(sub)}/`);
      render(sub, depth + 1);
    }
    for (const f of n.files.sort()) lines.push(`${indent}${f}`);
  };
  render('.', 1);
  return lines.join('\n');
}

export const listTool = defineTool({
  id: 'list',
  description: LIST_DESCRIPTION,
  parameters: ListParameters,
  async execute(args, ctx) {
    const ws = await workspaceOf(ctx.workspace);
    const dir = await ws.resolve(args.path ?? '.');
    if (!dir.stat) throw new ToolError(`Folder not found: ${args.path}`);
    if (!dir.stat.isDirectory()) throw new ToolError(`Not a folder: ${args.path}`);
    await askRead(ctx, dir, 'list');
    const extra = (args.ignore ?? []).map((p) => compileGlob(p, { basename: true }));
    const ignored = (rel: string) => extra.some((m) => m(rel));
    const files: string[] = [];
    let truncated = false;
    const skipDir = (e: { name: string; relative: string }) =>
      DEFAULT_IGNORED_DIRS.has(e.name) || ignored(e.relative) || ignored(`${e.relative}/`);
    for await (const e of walk(dir.real, dir.real, { skipDir, signal: ctx.abort })) {
      if (e.type === 'directory' || ignored(e.relative)) continue;
      if (files.length >= LIST_LIMIT) {
        truncated = true;
        break;
      }
      files.push(e.relative);
    }
    let output = renderTree(dir.real, files);
    if (truncated)
      output += `\n\n(Showing the first ${LIST_LIMIT} files. List a sub-folder or add ignore patterns to see more.)`;
    return { title: dir.relative || '.', output, metadata: { count: files.length, truncated } };
  },
});
