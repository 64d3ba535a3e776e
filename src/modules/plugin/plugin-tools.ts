import { z } from 'zod';
import type { RegisteredTool } from '../tool/tool.registry';
import { toolOutputLimits } from '../tool/tool.define';
import { ToolError, type ToolContext, type ToolResult } from '../tool/tool.types';
import { truncateOutput } from '../tool/truncation';

/** A custom tool as a plugin's `tool` hook declares it (@opencode-ai/plugin's ToolDefinition). */
export interface PluginToolDefinition {
  description: string;
  args: Record<string, z.ZodType>;
  execute(args: Record<string, unknown>, context: PluginToolContext): Promise<PluginToolResult>;
}

export type PluginToolResult =
  | string
  | { title?: string; output: string; metadata?: Record<string, unknown>; attachments?: ToolResult['attachments'] };

/** The context OpenCode gives a plugin tool. `directory` and `worktree` are the project's folder on the host. */
export interface PluginToolContext {
  sessionID: string;
  messageID: string;
  agent: string;
  directory: string;
  worktree: string;
  abort: AbortSignal;
  metadata(input: { title?: string; metadata?: Record<string, unknown> }): void;
  ask(input: {
    permission: string;
    patterns: string[];
    always: string[];
    metadata: Record<string, unknown>;
  }): Promise<void>;
}

const isZod = (v: unknown): v is z.ZodType =>
  !!v && typeof v === 'object' && typeof (v as z.ZodType).safeParse === 'function' && '_zod' in v;

/**
 * The JSON Schema of a plugin tool's arguments. Its schemas come from the plugin's own copy of zod (the one in
 * @opencode-ai/plugin), so each argument is converted alone and the object is assembled here: composing them
 * with our zod would mix two copies' internals.
 */
function inputSchema(args: Record<string, z.ZodType>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [key, schema] of Object.entries(args)) {
    const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    properties[key] = schema.description && !json.description ? { ...json, description: schema.description } : json;
    if (!schema.safeParse(undefined).success) required.push(key);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function parseArgs(id: string, args: Record<string, z.ZodType>, input: unknown): Record<string, unknown> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(args)) {
    const parsed = schema.safeParse(raw[key]);
    if (parsed.success) {
      if (parsed.data !== undefined) out[key] = parsed.data;
    } else problems.push(`${key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length)
    throw new ToolError(
      `The ${id} tool was called with invalid arguments: ${problems.join(', ')}. Please rewrite the input so it satisfies the expected schema.`,
    );
  return out;
}

/** A plugin's custom tool as one of ours: arguments checked by its schemas, output truncated like every tool's. */
export function pluginTool(id: string, def: PluginToolDefinition, folder: string): RegisteredTool | undefined {
  if (!def || typeof def.execute !== 'function' || typeof def.description !== 'string') return undefined;
  const args = Object.fromEntries(Object.entries(def.args ?? {}).filter(([, v]) => isZod(v)));
  return {
    id,
    description: def.description,
    inputSchema: inputSchema(args),
    async execute(input: unknown, ctx: ToolContext): Promise<ToolResult> {
      const parsed = parseArgs(id, args, input);
      const result = await def.execute(parsed, {
        sessionID: ctx.sessionId,
        messageID: ctx.messageId,
        agent: ctx.agent,
        directory: folder,
        worktree: folder,
        abort: ctx.abort,
        metadata: (update) => ctx.metadata(update),
        ask: (request) => ctx.ask(request),
      });
      const shaped: ToolResult =
        typeof result === 'string'
          ? { title: '', output: result, metadata: {} }
          : {
              title: result.title ?? '',
              output: String(result.output ?? ''),
              metadata: result.metadata ?? {},
              ...(result.attachments?.length ? { attachments: result.attachments } : {}),
            };
      const cut = await truncateOutput(shaped.output, toolOutputLimits(ctx));
      return cut.truncated
        ? {
            ...shaped,
            output: cut.content,
            metadata: { ...shaped.metadata, truncated: true, outputPath: cut.outputPath },
          }
        : { ...shaped, metadata: { ...shaped.metadata, truncated: false } };
    },
  };
}
