import { z } from 'zod';
import type { LspService } from '../../../lsp/lsp.service';
import { LSP_OPERATIONS } from '../../../lsp/lsp-operations';
import { workspaceOf } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { LSP_DESCRIPTION } from './lsp.prompt';

export const LspParametersSchema = z.object({
  operation: z.enum(LSP_OPERATIONS),
  filePath: z.string().min(1).describe('The file, relative to the project folder'),
  line: z.number().int().min(1).describe('1-based line'),
  character: z.number().int().min(1).describe('1-based column'),
  query: z.string().optional().describe('Search text for workspaceSymbol'),
});

/**
 * `lsp`: one request to the project's language server for the file's type, started on demand inside the
 * project's sandbox (LspService). Its answer goes back as JSON, as OpenCode's tool does.
 */
export function lspTool(deps: { lsp: Pick<LspService, 'scopeFor' | 'serverFor' | 'operation'> }) {
  return defineTool({
    id: 'lsp',
    description: LSP_DESCRIPTION,
    parameters: LspParametersSchema,
    async execute(args, ctx) {
      const ws = await workspaceOf(ctx.workspace);
      const target = await ws.resolve(args.filePath);
      await ctx.ask({
        permission: 'lsp',
        patterns: ['*'],
        always: ['*'],
        metadata: { operation: args.operation, filePath: target.real },
      });
      if (!target.stat?.isFile()) throw new ToolError(`File not found: ${args.filePath}`);
      const scope = await deps.lsp.scopeFor(ctx.auth, ctx.workspace);
      const spec = await deps.lsp.serverFor(ctx.auth, scope.projectId, target.real);
      if (!spec) throw new ToolError('No LSP server available for this file type.');
      const result = await deps.lsp.operation(ctx.auth, scope, spec, {
        operation: args.operation,
        file: target.real,
        line: args.line - 1,
        character: args.character - 1,
        query: args.query,
      });
      return {
        title: `${args.operation} ${target.relative}:${args.line}:${args.character}`,
        output: result.length === 0 ? `No results found for ${args.operation}` : JSON.stringify(result, null, 2),
        metadata: { result },
      };
    },
  });
}
