// defineTool(): the one place that validates a tool's arguments, turns confinement refusals into tool
// errors, and bounds the output, so each tool only implements its own behaviour.
import { z } from 'zod';
import { isWorkspaceError } from '../workspace/workspace.errors';
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from './tool.types';
import { ToolOutputLimitsSchema, truncateOutput, type ToolOutputLimits } from './truncation';

export interface DefinedTool<P extends z.ZodType = z.ZodType> extends ToolDefinition<P> {
  /** JSON Schema (object) of the parameters, as sent to the LLM. */
  toJsonSchema(): Record<string, unknown>;
}

/** Error text for arguments that failed validation, naming every bad field. */
export function invalidArgumentsMessage(toolId: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(arguments)';
    return `- ${where}: ${issue.message}`;
  });
  return (
    `The ${toolId} tool was called with invalid arguments:\n${lines.join('\n')}\n` +
    `Rewrite the input so that it matches the tool's parameter schema, then call the tool again.`
  );
}

export function toolOutputLimits(ctx: ToolContext): ToolOutputLimits {
  const raw = ctx.extra?.toolOutput;
  const parsed = ToolOutputLimitsSchema.safeParse(raw && typeof raw === 'object' ? raw : {});
  const limits = parsed.success ? parsed.data : ToolOutputLimitsSchema.parse({});
  // Saved output lands in the project's own read-only output folder when the loop does not choose one,
  // so the read and grep tools can reach it.
  const outputDir = (ctx.workspace as { outputDir?: string }).outputDir;
  return { ...limits, dir: limits.dir ?? outputDir };
}

export function defineTool<P extends z.ZodType>(def: ToolDefinition<P>): DefinedTool<P> {
  let schema: Record<string, unknown> | undefined;
  return {
    id: def.id,
    description: def.description,
    parameters: def.parameters,
    toJsonSchema() {
      if (!schema) {
        const { $schema: _ignored, ...rest } = z.toJSONSchema(def.parameters, {
          io: 'input',
          unrepresentable: 'any',
        }) as Record<string, unknown>;
        schema = rest;
      }
      return schema;
    },
    async execute(args: unknown, ctx: ToolContext): Promise<ToolResult> {
      const parsed = def.parameters.safeParse(args);
      if (!parsed.success) throw new ToolError(invalidArgumentsMessage(def.id, parsed.error));
      let result: ToolResult;
      try {
        result = await def.execute(parsed.data as z.infer<P>, ctx);
      } catch (err) {
        if (isWorkspaceError(err)) throw new ToolError(err.message);
        throw err;
      }
      // A tool that bounds its own output (read, bash) reports `truncated` itself; don't cut it twice.
      if (result.metadata.truncated !== undefined) return result;
      const cut = await truncateOutput(result.output, toolOutputLimits(ctx));
      if (!cut.truncated) return { ...result, metadata: { ...result.metadata, truncated: false } };
      return {
        ...result,
        output: cut.content,
        metadata: { ...result.metadata, truncated: true, outputPath: cut.outputPath },
      };
    },
  };
}
