import { z } from 'zod';
import { ToolError, type ToolDefinition } from '../../tool.types';
import {
  callExaTool,
  duckDuckGoSearch,
  formatResults,
  searchSignal,
  type SearchBackendOptions,
} from './search-backends';
import { WEBSEARCH_DESCRIPTION } from './websearch.prompt';

export const WebsearchParametersSchema = z.object({
  query: z.string().min(1).describe('The search query'),
  numResults: z.number().int().min(1).max(25).optional().describe('Number of results to return (default 8)'),
  livecrawl: z
    .enum(['fallback', 'preferred'])
    .optional()
    .describe('"fallback" (default) or "preferred" for fresh pages'),
  type: z.enum(['auto', 'fast', 'deep']).optional().describe('"auto" (default), "fast" or "deep"'),
  contextMaxCharacters: z.number().int().positive().optional().describe('Maximum characters of page text to return'),
});

/** `websearch`: Exa's MCP search when a key is configured, DuckDuckGo's HTML results otherwise. */
export function websearchTool(options: SearchBackendOptions = {}): ToolDefinition<typeof WebsearchParametersSchema> {
  return {
    id: 'websearch',
    description: WEBSEARCH_DESCRIPTION,
    parameters: WebsearchParametersSchema,
    async execute(args, ctx) {
      const numResults = args.numResults ?? 8;
      await ctx.ask({
        permission: 'websearch',
        patterns: [args.query],
        always: ['*'],
        metadata: { query: args.query, numResults },
      });
      const signal = searchSignal(ctx.abort, options.timeoutMs);
      const title = `Web search: ${args.query}`;
      if (options.exa) {
        const output = await callExaTool(
          options.exa,
          'web_search_exa',
          {
            query: args.query,
            numResults,
            type: args.type ?? 'auto',
            livecrawl: args.livecrawl ?? 'fallback',
            ...(args.contextMaxCharacters ? { contextMaxCharacters: args.contextMaxCharacters } : {}),
          },
          signal,
        );
        return {
          title,
          output: output || 'No search results found. Try a different query.',
          metadata: { backend: 'exa' },
        };
      }
      const results = await duckDuckGoSearch(options.duckDuckGo, args.query, numResults, signal);
      if (results.length === 0) throw new ToolError('No search results found. Try a different query.');
      return { title, output: formatResults(results), metadata: { backend: 'duckduckgo', results: results.length } };
    },
  };
}
