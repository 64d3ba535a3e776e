import { ToolError } from '../../tool.types';
import {
  MAX_RESULTS_HTML_CHARS,
  MAX_SEARCH_RESPONSE_BYTES,
  parseRpcBody,
  readBounded,
  resultElements,
  type ResultElement,
} from './search-wire';

export const EXA_MCP_URL = 'https://mcp.exa.ai/mcp';
export const DUCKDUCKGO_HTML_URL = 'https://html.duckduckgo.com/html/';
export const SEARCH_TIMEOUT_MS = 25_000;

/** Backend settings shared by websearch and codesearch; base URLs are injectable for local fakes. */
export interface SearchBackendOptions {
  /** Exa's hosted MCP server, used when an API key is configured. */
  exa?: { apiKey: string; baseUrl?: string };
  /** Fallback without a key: DuckDuckGo's JavaScript-free HTML endpoint. */
  duckDuckGo?: { baseUrl?: string };
  timeoutMs?: number;
}

/**
 * One JSON-RPC `tools/call` to a remote MCP server over plain HTTP. The streamable-HTTP transport may
 * answer with JSON or with an SSE stream carrying the response as a `data:` event; both are accepted.
 */
export async function callExaTool(
  exa: NonNullable<SearchBackendOptions['exa']>,
  tool: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string> {
  const url = new URL(exa.baseUrl ?? EXA_MCP_URL);
  url.searchParams.set('exaApiKey', exa.apiKey);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } }),
    signal,
  }).catch((error: Error) => {
    throw new ToolError(`Search request failed: ${signal.aborted ? 'timed out or aborted' : error.message}`);
  });
  const body = await readBounded(response, MAX_SEARCH_RESPONSE_BYTES);
  if (!response.ok) throw new ToolError(`Search error (${response.status}): ${body.slice(0, 500)}`);
  const message = parseRpcBody(body, response.headers.get('content-type') ?? '');
  if (message.error) throw new ToolError(`Search error: ${message.error.message ?? 'unknown error'}`);
  const text = (message.result?.content ?? [])
    .filter((item) => item.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text)
    .join('\n\n');
  if (message.result?.isError) throw new ToolError(`Search error: ${text || 'unknown error'}`);
  return text;
}

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

export async function duckDuckGoSearch(
  options: SearchBackendOptions['duckDuckGo'],
  query: string,
  limit: number,
  signal: AbortSignal,
): Promise<SearchResult[]> {
  const url = new URL(options?.baseUrl ?? DUCKDUCKGO_HTML_URL);
  url.searchParams.set('q', query);
  const response = await fetch(url, {
    headers: {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      accept: 'text/html',
    },
    signal,
  }).catch((error: Error) => {
    throw new ToolError(`Search request failed: ${signal.aborted ? 'timed out or aborted' : error.message}`);
  });
  if (!response.ok) throw new ToolError(`Search error (${response.status})`);
  return (await parseDuckDuckGo(await readBounded(response, MAX_RESULTS_HTML_CHARS, true))).slice(0, limit);
}

/** Reads results from DuckDuckGo's HTML page (a real parser, off the event loop); ads and internal links are skipped. */
export async function parseDuckDuckGo(html: string): Promise<SearchResult[]> {
  return resultsFrom(await resultElements(html));
}

/** A link opens a result; the first snippet before the next link belongs to it. */
export function resultsFrom(elements: ResultElement[]): SearchResult[] {
  const results: SearchResult[] = [];
  let current: SearchResult | null = null;
  let snippetTaken = false;
  for (const element of elements) {
    if (element.kind === 'link') {
      const target = resultTarget(element.href);
      current = target ? { title: plain(element.text), url: target, snippet: '' } : null;
      snippetTaken = false;
      if (current) results.push(current);
    } else if (current && !snippetTaken) {
      current.snippet = plain(element.text);
      snippetTaken = true;
    }
  }
  return results;
}

function resultTarget(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href, 'https://duckduckgo.com');
  } catch {
    return null;
  }
  if (url.hostname.endsWith('duckduckgo.com')) {
    if (url.pathname === '/y.js') return null; // sponsored
    const target = url.searchParams.get('uddg');
    return target && /^https?:\/\//i.test(target) ? target : null;
  }
  return /^https?:$/.test(url.protocol) ? url.href : null;
}

function plain(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function formatResults(results: SearchResult[]): string {
  return results
    .map((result, index) => `${index + 1}. ${result.title}\n   ${result.url}\n   ${result.snippet}`.trimEnd())
    .join('\n\n');
}

/** The call's abort signal combined with the backend timeout. */
export function searchSignal(abort: AbortSignal, timeoutMs = SEARCH_TIMEOUT_MS): AbortSignal {
  return AbortSignal.any([abort, AbortSignal.timeout(timeoutMs)]);
}
