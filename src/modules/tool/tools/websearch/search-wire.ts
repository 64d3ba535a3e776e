import { createParser } from 'eventsource-parser';
import { ToolError } from '../../tool.types';
import { runHtmlWorker } from '../webfetch/html-worker';

/** A search answer is a few KB to a few hundred; past this it is not read further. */
export const MAX_SEARCH_RESPONSE_BYTES = 4 * 1024 * 1024;
/** DuckDuckGo's result page is about 30-60 KB; the parser sees at most this much of it. */
export const MAX_RESULTS_HTML_CHARS = 1024 * 1024;
const PARSE_TIMEOUT_MS = 5_000;
const MAX_RESULT_ELEMENTS = 400;

/**
 * The body as text, read chunk by chunk and refused (the connection cancelled) once it passes `maxBytes`, or cut
 * there when `cut` is set: a hostile or broken endpoint cannot make the server buffer without end.
 */
export async function readBounded(response: Response, maxBytes: number, cut = false): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      if (!cut) throw new ToolError(`Search service answered with more than ${maxBytes} bytes; not read`);
      chunks.push(value.subarray(0, value.byteLength - (size - maxBytes)));
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface RpcMessage {
  result?: { content?: { type: string; text?: string }[]; isError?: boolean };
  error?: { message?: string };
}

/**
 * The JSON-RPC response of a Streamable-HTTP MCP server: a JSON body, or an SSE stream whose `data:` events carry
 * JSON-RPC messages (notifications and keep-alives may come first; multi-line data is joined, as SSE says).
 */
export function parseRpcBody(body: string, contentType: string): RpcMessage {
  const candidates: string[] = [];
  if (contentType.toLowerCase().includes('text/event-stream')) {
    const parser = createParser({ onEvent: (event) => candidates.push(event.data) });
    parser.feed(body);
    // A stream cut before its blank line still delivered its last event's data.
    parser.feed('\n\n');
  } else candidates.push(body);
  for (const candidate of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue; // keep-alive or a partial event
    }
    if (parsed && typeof parsed === 'object' && ('result' in parsed || 'error' in parsed)) return parsed as RpcMessage;
  }
  throw new ToolError('Search service returned an unreadable response');
}

export interface ResultElement {
  kind: 'link' | 'snippet';
  href: string;
  text: string;
}

// Plain JavaScript evaluated as the worker's script: the page is parsed by a real HTML parser (domino), and only
// the result links and snippets, in document order, come back.
const RESULTS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const domino = require(workerData.domino);
ready();
const doc = domino.createDocument(workerData.html);
const out = [];
for (const el of doc.querySelectorAll('.result__a, .result__snippet')) {
  if (out.length >= workerData.max) break;
  const link = el.classList.contains('result__a');
  out.push({ kind: link ? 'link' : 'snippet', href: el.getAttribute('href') || '', text: el.textContent || '' });
}
parentPort.postMessage(out);
`;

/** DuckDuckGo's result links and snippets, parsed in a worker with a time budget from at most 1 MiB of HTML. */
export function resultElements(html: string): Promise<ResultElement[]> {
  const input = html.length > MAX_RESULTS_HTML_CHARS ? html.slice(0, MAX_RESULTS_HTML_CHARS) : html;
  return runHtmlWorker<ResultElement[]>(
    RESULTS_WORKER,
    { html: input, max: MAX_RESULT_ELEMENTS },
    {
      timeoutMs: PARSE_TIMEOUT_MS,
      failure: (reason) =>
        new ToolError(
          reason === 'timeout' ? 'Search results took too long to read' : 'Search results could not be read',
        ),
    },
  );
}
