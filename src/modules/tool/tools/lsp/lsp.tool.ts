import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { languageServerFor, LSP_DESCRIPTION } from './lsp.servers';

export const LspParametersSchema = z.object({
  operation: z.enum([
    'goToDefinition',
    'findReferences',
    'hover',
    'documentSymbol',
    'workspaceSymbol',
    'goToImplementation',
    'prepareCallHierarchy',
    'incomingCalls',
    'outgoingCalls',
  ]),
  filePath: z.string().min(1).describe('The file, relative to the project folder'),
  line: z.number().int().min(1).describe('1-based line'),
  character: z.number().int().min(1).describe('1-based column'),
  query: z.string().optional().describe('Search text for workspaceSymbol'),
});

/**
 * `lsp`: code intelligence through a language server. No server is run for students' code here yet: a
 * language server would have to run inside the sandbox like bash (some, e.g. rust-analyzer, execute build
 * scripts), so the tool says plainly that it is unavailable and points at grep/read instead.
 */
export const lspTool = defineTool({
  id: 'lsp',
  description: LSP_DESCRIPTION,
  parameters: LspParametersSchema,
  async execute(args, ctx) {
    await ctx.ask({
      permission: 'lsp',
      patterns: ['*'],
      always: ['*'],
      metadata: { operation: args.operation, filePath: args.filePath },
    });
    const server = languageServerFor(args.filePath);
    const which = server ? `${server.binary} (${server.language})` : 'a language server for this file type';
    throw new ToolError(
      `Code intelligence is unavailable on this server: ${which} is not installed for sandboxed use. ` +
        'Use grep to find definitions and references, and read to inspect them.',
    );
  },
});
