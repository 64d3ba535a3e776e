import type { JsonSchemaObject, McpToolDefinition } from '../mcp.types';
import { ToolError } from '../../tool/tool.types';
import { convertCallToolResult, DEFAULT_RESULT_LIMITS, type McpResultLimits } from './mcp-result.converter';
import { mcpToolId } from './mcp-naming';

/** The part of an MCP `Tool` listing we use. */
export interface McpListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}

/** Calls one tool on the server; the pool supplies timeout handling and idle bookkeeping. */
export type McpToolCaller = (
  toolName: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<Record<string, unknown>>;

/**
 * Models only accept object schemas at the top level; OpenCode forces `type: object` and
 * `additionalProperties: false` whatever the server declared.
 */
export function normalizeInputSchema(schema: Record<string, unknown> | undefined): JsonSchemaObject {
  const source = schema ?? {};
  const properties =
    source.properties && typeof source.properties === 'object' ? (source.properties as Record<string, unknown>) : {};
  return { ...source, type: 'object', properties, additionalProperties: false };
}

export function convertMcpTool(
  serverName: string,
  tool: McpListedTool,
  call: McpToolCaller,
  limits: McpResultLimits = DEFAULT_RESULT_LIMITS,
): McpToolDefinition {
  const id = mcpToolId(serverName, tool.name);
  return {
    id,
    description: tool.description ?? tool.title ?? '',
    inputSchema: normalizeInputSchema(tool.inputSchema),
    source: 'mcp',
    server: serverName,
    mcpName: tool.name,
    async execute(args, ctx) {
      await ctx.ask({ permission: id, patterns: ['*'], always: ['*'], metadata: {} });
      if (ctx.abort.aborted) throw new ToolError('Tool call aborted');
      const raw = await call(tool.name, args ?? {}, ctx.abort);
      return convertCallToolResult(
        raw,
        { title: tool.title ?? tool.name, server: serverName, tool: tool.name },
        limits,
      );
    },
  };
}
