// Fetched pages are written by anyone, so their HTML is converted by a real parser (domino, the one turndown
// uses) in a worker thread with a time budget and an input bound. The regex stripping this replaces took 4 to
// 18 s on 100-200 KB of unclosed `<script`, `<a` or `<!--`, and turndown overflowed its stack on deep nesting,
// all on the event loop.
import { runHtmlWorker } from './html-worker';

/** HTML beyond this many characters is not converted (the page is cut there first). */
export const MAX_HTML_CHARS = 2 * 1024 * 1024;
export const HTML_CONVERT_TIMEOUT_MS = 10_000;
/** Deeper documents are converted as plain text: turndown recurses once per level. */
const MAX_MARKDOWN_DEPTH = 200;

export class HtmlConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HtmlConvertError';
  }
}

// Plain JavaScript evaluated as the worker's script (the same from dist/ and under Jest); module paths come in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const domino = require(workerData.domino);
const TurndownService = require(workerData.turndown);
ready();
const DROPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'META', 'LINK', 'SVG', 'CANVAS', 'HEAD', 'TITLE']);
const BLOCK = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'MAIN', 'NAV', 'ASIDE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'LI', 'UL', 'OL', 'TABLE', 'TR', 'PRE', 'BLOCKQUOTE', 'BR', 'HR', 'DD', 'DT', 'DL', 'FIGURE', 'FIGCAPTION', 'FORM']);
function depth(root) {
  let max = 0;
  const stack = [[root, 0]];
  while (stack.length) {
    const [node, d] = stack.pop();
    if (d > max) max = d;
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push([c, d + 1]);
  }
  return max;
}
function toText(root) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node === '\\n') { out.push('\\n'); continue; }
    if (node.nodeType === 3) { out.push(node.data); continue; }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) continue;
    const name = (node.nodeName || '').toUpperCase();
    if (DROPPED.has(name)) continue;
    const block = BLOCK.has(name);
    if (block) { out.push('\\n'); stack.push('\\n'); }
    const children = [];
    for (let c = node.firstChild; c; c = c.nextSibling) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out.join('').split('\\n')
    .map((line) => line.replace(/[ \\t\\f\\v\\u00a0]+/g, ' ').trim())
    .filter((line, index, lines) => line !== '' || (index > 0 && lines[index - 1] !== ''))
    .join('\\n').trim();
}
const doc = domino.createDocument(workerData.html);
const root = doc.body || doc.documentElement;
let result;
if (workerData.format === 'markdown' && root && depth(root) <= workerData.maxDepth) {
  const turndown = new TurndownService({ headingStyle: 'atx', hr: '---', bulletListMarker: '-', codeBlockStyle: 'fenced', emDelimiter: '*' })
    .remove(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'meta', 'link', 'svg', 'canvas', 'head', 'title']);
  result = turndown.turndown(root).trim();
} else {
  result = root ? toText(root) : '';
}
parentPort.postMessage(result);
`;

export interface ConvertOptions {
  timeoutMs?: number;
  maxChars?: number;
}

/** Markdown (headings, lists, links, fenced code) or plain text of `html`; scripts, styles and head dropped. */
export function convertHtml(html: string, format: 'markdown' | 'text', options: ConvertOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? HTML_CONVERT_TIMEOUT_MS;
  const maxChars = options.maxChars ?? MAX_HTML_CHARS;
  const input = html.length > maxChars ? html.slice(0, maxChars) : html;
  return runHtmlWorker<string>(
    WORKER_SOURCE,
    { html: input, format, maxDepth: MAX_MARKDOWN_DEPTH },
    {
      timeoutMs,
      failure: (reason, message) =>
        new HtmlConvertError(
          reason === 'timeout'
            ? `the page took longer than ${timeoutMs} ms to convert; fetch it with format "html"`
            : `the page could not be converted${message ? `: ${message}` : ''}`,
        ),
    },
  ).then((value) => value ?? '');
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  middot: '·',
  euro: '€',
  trade: '™',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED[body.toLowerCase()] ?? match;
  });
}
