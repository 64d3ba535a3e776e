import type { ToolContext } from './tool.types';
import type { ResolvedPath } from '../workspace/workspace';

/**
 * Permission patterns of a path: the spelling the model used and the real target when a symlink inside
 * the project makes them differ, so a rule like `*.env: ask` cannot be sidestepped through a link.
 */
export function pathPatterns(...paths: ResolvedPath[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    out.add(p.lexicalRelative || '.');
    out.add(p.relative || '.');
  }
  return [...out];
}

/** Saved tool output lives outside the project; OpenCode treats that as an external directory. */
export async function askExternal(ctx: ToolContext, target: ResolvedPath): Promise<void> {
  if (target.area !== 'output') return;
  const pattern = `${target.areaRoot}/*`;
  await ctx.ask({
    permission: 'external_directory',
    patterns: [pattern],
    always: [pattern],
    metadata: { filepath: target.real, parentDir: target.areaRoot },
  });
}

export async function askRead(ctx: ToolContext, target: ResolvedPath, permission = 'read'): Promise<void> {
  await askExternal(ctx, target);
  await ctx.ask({ permission, patterns: pathPatterns(target), always: ['*'], metadata: { filepath: target.real } });
}

export function askEdit(ctx: ToolContext, targets: ResolvedPath[], metadata: Record<string, unknown>): Promise<void> {
  return ctx.ask({ permission: 'edit', patterns: pathPatterns(...targets), always: ['*'], metadata });
}
