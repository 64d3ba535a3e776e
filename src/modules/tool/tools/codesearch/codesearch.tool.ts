import { z } from 'zod';
import { ToolError, type ToolDefinition } from '../../tool.types';
import {
  callExaTool,
  duckDuckGoSearch,
  formatResults,
  searchSignal,
  type SearchBackendOptions,
} from '../websearch/search-backends';
import { CODESEARCH_DESCRIPTION } from './codesearch.prompt';

export const CodesearchParametersSchema = z.object({
  query: z.string().min(1).describe('What code, API or library usage to search for'),
  tokensNum: z
    .number()
    .int()
    .min(1000)
    .max(50_000)
    .default(5000)
    .describe('Tokens of context to return (1000-50000, default 5000)'),
});

/** Sites whose pages are mostly code and API docs, for the keyless fallback. */
const CODE_SITES = ['github.com', 'stackoverflow.com', 'developer.mozilla.org', 'docs.rs', 'pkg.go.dev'];

/** `codesearch`: Exa's code-context tool with a key; otherwise a DuckDuckGo search narrowed to code sites. */
export function codesearchTool(options: SearchBackendOptions = {}): ToolDefinition<typeof CodesearchParametersSchema> {
  return {
    id: 'codesearch',
    description: CODESEARCH_DESCRIPTION,
    parameters: CodesearchParametersSchema,
    async execute(args, ctx) {
      await ctx.ask({
        permission: 'codesearch',
        patterns: [args.query],
        always: ['*'],
        metadata: { query: args.query, tokensNum: args.tokensNum },
      });
      const signal = searchSignal(ctx.abort, options.timeoutMs);
      const title = `Code search: ${args.query}`;
      if (options.exa) {
        const output = await callExaTool(
          options.exa,
          'get_code_context_exa',
          { query: args.query, tokensNum: args.tokensNum },
          signal,
        );
        return {
          title,
          output: output || 'No code context found. Try a more specific query.',
          metadata: { backend: 'exa' },
        };
      }
      const query = `${args.query} (${CODE_SITES.map((site) => `site:${site}`).join(' OR ')})`;
      // Roughly four characters a token: keep the snippet list within the requested budget.
      const limit = Math.max(3, Math.min(20, Math.floor(args.tokensNum / 500)));
      const results = await duckDuckGoSearch(options.duckDuckGo, query, limit, signal);
      if (results.length === 0) throw new ToolError('No code context found. Try a more specific query.');
      return { title, output: formatResults(results), metadata: { backend: 'duckduckgo', results: results.length } };
    },
  };
}
