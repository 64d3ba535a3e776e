import { z } from 'zod';
import { fileDiff, type FileDiff } from '../../../workspace/file-diff';
import { withFileLocks } from '../../../workspace/file-lock';
import { askEdit } from '../../file-permission';
import { workspaceOf, type ResolvedPath, type Workspace } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { textForm } from '../edit/edit-apply';
import { APPLY_PATCH_DESCRIPTION } from './apply-patch.prompt';
import { applyChunks } from './patch-apply';
import { parsePatch, type PatchOp } from './patch-parse';

export const ApplyPatchParameters = z.object({
  patchText: z.string().describe('The full patch, from "*** Begin Patch" to "*** End Patch"'),
});

interface PlannedChange {
  type: 'add' | 'update' | 'delete' | 'move';
  source: ResolvedPath;
  /** Where the new content goes (the move target for moves). */
  target: ResolvedPath;
  before?: string;
  after?: string;
  diff: FileDiff;
}

async function readExisting(ws: Workspace, r: ResolvedPath, what: string): Promise<string> {
  if (!r.stat) throw new ToolError(`Failed to apply the patch: ${what} ${r.input} does not exist.`);
  if (!r.stat.isFile()) throw new ToolError(`Failed to apply the patch: ${r.input} is not a regular file.`);
  return ws.readText(r.real);
}

async function plan(ws: Workspace, op: PatchOp): Promise<PlannedChange> {
  const source = await ws.resolve(op.path, { write: true });
  if (op.kind === 'add') {
    if (source.stat?.isDirectory()) throw new ToolError(`Failed to apply the patch: ${op.path} is a directory.`);
    const before = source.stat ? await ws.readText(source.real) : undefined;
    return {
      type: 'add',
      source,
      target: source,
      before,
      after: op.content,
      diff: fileDiff(source.relative, before ?? '', op.content),
    };
  }
  const before = await readExisting(ws, source, op.kind === 'delete' ? 'the file to delete,' : 'the file to update,');
  if (op.kind === 'delete')
    return { type: 'delete', source, target: source, before, diff: fileDiff(source.relative, before, '') };
  const form = textForm(before);
  let body = applyChunks(form.body, op.chunks, op.path);
  if (form.crlf) body = body.replace(/\n/g, '\r\n');
  const after = (form.bom ? '\uFEFF' : '') + body;
  const target = op.moveTo ? await ws.resolve(op.moveTo, { write: true }) : source;
  if (op.moveTo && target.stat?.isDirectory())
    throw new ToolError(`Failed to apply the patch: ${op.moveTo} is a directory.`);
  return {
    type: op.moveTo ? 'move' : 'update',
    source,
    target,
    before,
    after,
    diff: fileDiff(target.relative, before, after),
  };
}

const LETTER = { add: 'A', update: 'M', delete: 'D', move: 'M' } as const;

export const applyPatchTool = defineTool({
  id: 'apply_patch',
  description: APPLY_PATCH_DESCRIPTION,
  parameters: ApplyPatchParameters,
  async execute(args, ctx) {
    const ws = await workspaceOf(ctx.workspace);
    const ops = parsePatch(args.patchText);
    // Everything is resolved, read and applied in memory first: a bad hunk anywhere writes nothing.
    const changes: PlannedChange[] = [];
    for (const op of ops) changes.push(await plan(ws, op));
    const touched = changes.flatMap((c) => (c.type === 'move' ? [c.source.real, c.target.real] : [c.source.real]));
    if (new Set(touched).size !== touched.length)
      throw new ToolError('Failed to apply the patch: a file appears in more than one section.');

    const growth = changes.reduce(
      (sum, c) => sum + Buffer.byteLength(c.after ?? '') - Buffer.byteLength(c.before ?? ''),
      0,
    );
    await ws.checkQuota(growth);
    const diff = changes.map((c) => c.diff.patch).join('\n');
    const files = changes.map((c) => ({
      filePath: c.source.real,
      relativePath: c.target.relative,
      type: c.type,
      movePath: c.type === 'move' ? c.target.real : undefined,
      diff: c.diff.patch,
      additions: c.diff.additions,
      deletions: c.diff.deletions,
    }));
    await askEdit(
      ctx,
      changes.flatMap((c) => (c.type === 'move' ? [c.source, c.target] : [c.source])),
      { diff, files },
    );

    return withFileLocks(touched, async () => {
      const done: PlannedChange[] = [];
      try {
        for (const c of changes) {
          if (c.type === 'delete') await ws.remove(c.source.input);
          else await ws.writeText(c.target.real, c.after!);
          if (c.type === 'move') await ws.remove(c.source.input);
          done.push(c);
        }
      } catch (err) {
        await rollback(ws, done);
        throw err;
      }
      for (const c of changes) ctx.services?.fileEdited?.(c.target.real);
      const summary = changes.map((c) => `${LETTER[c.type]} ${c.target.relative}`);
      return {
        title: `${changes.length} file${changes.length === 1 ? '' : 's'} changed`,
        output: `Success. Updated the following files:\n${summary.join('\n')}`,
        metadata: { diff, files, diagnostics: {} },
      };
    });
  },
});

/** Best effort: put back what the already-applied sections changed, newest first. */
async function rollback(ws: Workspace, done: PlannedChange[]): Promise<void> {
  for (const c of [...done].reverse()) {
    try {
      if (c.before !== undefined) await ws.writeText(c.source.real, c.before);
      if (c.type === 'add' && c.before === undefined) await ws.remove(c.target.real);
      if (c.type === 'move') await ws.remove(c.target.real);
    } catch {
      // Keep undoing the rest; the original error is what the model needs to see.
    }
  }
}
