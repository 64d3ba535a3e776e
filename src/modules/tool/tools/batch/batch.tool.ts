import { z } from 'zod';
import { defineTool, type DefinedTool } from '../../tool.define';
import { ToolError, type ToolContext, type ToolResult } from '../../tool.types';
import { BATCH_DESCRIPTION } from './batch.prompt';

export const BatchParametersSchema = z.object({
  tool_calls: z
    .array(
      z.object({
        tool: z.string().min(1).describe('Name of the tool to call'),
        parameters: z.record(z.string(), z.unknown()).describe('Its parameters'),
      }),
    )
    .min(1)
    .max(25)
    .describe('Independent tool calls to run in parallel (1-25)'),
});

/** Tools a batch may not contain: nesting, and calls that wait on the user or start whole sessions. */
export const NOT_BATCHABLE = new Set(['batch', 'invalid', 'question', 'task', 'plan_enter', 'plan_exit']);

export interface BatchOptions {
  /** The tool by id, when the calling agent may use it (same visibility as the model's own tool list). */
  lookup(id: string): { execute(args: unknown, ctx: ToolContext): Promise<ToolResult> } | undefined;
}

/**
 * `batch`: runs independent calls at once. Each call goes through the same tool (validation, permission
 * asks, truncation) with the batch's context; one failing call does not stop the others.
 */
export function batchTool(options: BatchOptions): DefinedTool<typeof BatchParametersSchema> {
  return defineTool({
    id: 'batch',
    description: BATCH_DESCRIPTION,
    parameters: BatchParametersSchema,
    async execute(args, ctx) {
      const results = await Promise.all(
        args.tool_calls.map(async (call, i) => {
          try {
            if (NOT_BATCHABLE.has(call.tool))
              throw new ToolError(`"${call.tool}" cannot be used inside batch; call it directly.`);
            const tool = options.lookup(call.tool);
            if (!tool) throw new ToolError(`Unknown or unavailable tool "${call.tool}".`);
            const result = await tool.execute(call.parameters, { ...ctx, callId: `${ctx.callId}#${i}` });
            return { tool: call.tool, ok: true as const, title: result.title, output: result.output };
          } catch (err) {
            if (ctx.abort.aborted) throw err;
            return { tool: call.tool, ok: false as const, error: (err as Error).message };
          }
        }),
      );
      const failed = results.filter((r) => !r.ok).length;
      const output = results
        .map((r, i) =>
          r.ok
            ? `<result index="${i}" tool="${r.tool}">\n${r.output}\n</result>`
            : `<error index="${i}" tool="${r.tool}">\n${r.error}\n</error>`,
        )
        .join('\n\n');
      return {
        title: `${results.length - failed}/${results.length} calls succeeded`,
        output,
        metadata: {
          calls: results.map((r) => ({ tool: r.tool, ok: r.ok, ...(r.ok ? { title: r.title } : { error: r.error }) })),
        },
      };
    },
  });
}
