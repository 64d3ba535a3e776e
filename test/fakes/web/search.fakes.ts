import type { FakeReply, RecordedRequest } from './fake-web.server';

/**
 * Exa's hosted MCP endpoint as seen over plain HTTP: a JSON-RPC `tools/call` POST answered with one SSE
 * `message` event carrying the JSON-RPC result (the streamable-HTTP transport's single-response form).
 */
export function exaMcpReply(text: string): (request: RecordedRequest) => FakeReply {
  return (request) => {
    const call = JSON.parse(request.body) as { id: number | string };
    const payload = { jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text }] } };
    return {
      headers: { 'content-type': 'text/event-stream' },
      body: `event: message\ndata: ${JSON.stringify(payload)}\n\n`,
    };
  };
}

export interface FakeSearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** The markup DuckDuckGo's no-JavaScript endpoint returns: redirect links carrying the target in `uddg`. */
export function duckDuckGoHtml(results: FakeSearchResult[]): string {
  const items = results
    .map(
      (result) => `<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="//duckduckgo.com/l/?uddg=${encodeURIComponent(result.url)}&amp;rut=abc">${result.title}</a>
    </h2>
    <a class="result__snippet" href="//duckduckgo.com/l/?uddg=${encodeURIComponent(result.url)}">${result.snippet}</a>
  </div>
</div>`,
    )
    .join('\n');
  return `<!DOCTYPE html><html><head><title>search at DuckDuckGo</title></head><body><div id="links" class="results">${items}</div></body></html>`;
}
