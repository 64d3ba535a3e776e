import type TurndownService from 'turndown';

const DROPPED = ['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'meta', 'link', 'svg', 'canvas'] as const;

let turndown: TurndownService | undefined;

/** Markdown for a model to read: headings, lists, links and fenced code kept; scripts and styles gone. */
export function htmlToMarkdown(html: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first webfetch, not at boot
  const Turndown = require('turndown') as typeof TurndownService;
  turndown ??= new Turndown({
    headingStyle: 'atx',
    hr: '---',
    bulletListMarker: '-',
    codeBlockStyle: 'fenced',
    emDelimiter: '*',
  }).remove([...DROPPED, 'head', 'title']);
  return turndown.turndown(html).trim();
}

const BLOCK = /<\/?(?:p|div|section|article|header|footer|main|nav|aside|h[1-6]|li|ul|ol|table|tr|pre|blockquote|br|hr|dd|dt|dl|figure|figcaption|form)\b[^>]*>/gi;

/** Plain text: markup removed, block boundaries kept as line breaks, entities decoded. */
export function htmlToText(html: string): string {
  let text = html.replace(/<!--[\s\S]*?-->/g, '');
  for (const tag of DROPPED) text = text.replace(new RegExp(`<${tag}\\b[\\s\\S]*?</${tag}\\s*>`, 'gi'), '');
  text = text.replace(/<head\b[\s\S]*?<\/head\s*>/i, '');
  text = text.replace(BLOCK, '\n').replace(/<[^>]+>/g, '');
  text = decodeEntities(text);
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .filter((line, index, lines) => line !== '' || (index > 0 && lines[index - 1] !== ''))
    .join('\n')
    .trim();
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', middot: '·', euro: '€', trade: '™' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED[body.toLowerCase()] ?? match;
  });
}
