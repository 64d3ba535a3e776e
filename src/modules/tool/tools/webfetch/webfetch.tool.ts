import { z } from 'zod';
import { DomainError } from '../../../../core/errors/domain-error';
import { DEFAULT_MAX_BYTES, safeFetch, type SafeResponse } from '../../../../core/net/safe-fetch';
import type { UrlGuardOptions } from '../../../../core/net/ssrf-guard';
import { ToolError, type ToolDefinition } from '../../tool.types';
import { convertHtml } from './html-convert';
import { WEBFETCH_DESCRIPTION } from './webfetch.prompt';

export const MAX_TIMEOUT_SECONDS = 120;
const DEFAULT_TIMEOUT_SECONDS = 30;

export const WebfetchParametersSchema = z.object({
  url: z.string().describe('The http(s) URL to fetch'),
  format: z
    .enum(['text', 'markdown', 'html'])
    .default('markdown')
    .describe('Return format: text, markdown (default) or html'),
  timeout: z.number().positive().optional().describe('Optional timeout in seconds (max 120)'),
});

export interface WebfetchToolOptions {
  /** SSRF policy: resolver, trusted internal hosts, allowPrivate for trusted development only. */
  guard?: UrlGuardOptions;
  maxBytes?: number;
  userAgent?: string;
}

const ACCEPT: Record<'text' | 'markdown' | 'html', string> = {
  markdown: 'text/markdown;q=1.0, text/x-markdown;q=0.9, text/plain;q=0.8, text/html;q=0.7, */*;q=0.1',
  text: 'text/plain;q=1.0, text/markdown;q=0.9, text/html;q=0.8, */*;q=0.1',
  html: 'text/html;q=1.0, application/xhtml+xml;q=0.9, text/plain;q=0.8, */*;q=0.1',
};
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/** The `webfetch` tool: asks `webfetch` for the URL, fetches it through the SSRF guard, converts HTML. */
export function webfetchTool(options: WebfetchToolOptions = {}): ToolDefinition<typeof WebfetchParametersSchema> {
  return {
    id: 'webfetch',
    description: WEBFETCH_DESCRIPTION,
    parameters: WebfetchParametersSchema,
    async execute(args, ctx) {
      if (!/^https?:\/\//i.test(args.url)) throw new ToolError('URL must start with http:// or https://');
      const timeoutSeconds = Math.min(args.timeout ?? DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
      await ctx.ask({
        permission: 'webfetch',
        patterns: [args.url],
        always: ['*'],
        metadata: { url: args.url, format: args.format, timeout: timeoutSeconds },
      });

      const fetchOnce = (userAgent: string) =>
        safeFetch(args.url, {
          ...options.guard,
          headers: { 'user-agent': userAgent, accept: ACCEPT[args.format], 'accept-language': 'en-US,en;q=0.9' },
          maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
          timeoutMs: timeoutSeconds * 1000,
          signal: ctx.abort,
        });
      let response = await fetchOnce(options.userAgent ?? BROWSER_UA).catch(asToolError);
      // Cloudflare's bot challenge rejects browser-looking clients that can't run JavaScript; an honest UA passes.
      if (response.status === 403 && response.headers['cf-mitigated'] === 'challenge') {
        response = await fetchOnce('opencode').catch(asToolError);
      }
      if (response.status < 200 || response.status >= 300)
        throw new ToolError(`Request failed with status code: ${response.status}`);

      const contentType = String(response.headers['content-type'] ?? '');
      const mime = contentType.split(';')[0].trim().toLowerCase();
      const title = `${response.url} (${contentType || 'unknown type'})`;
      if (mime.startsWith('image/') && mime !== 'image/svg+xml') {
        return {
          title,
          output: 'Image fetched successfully',
          metadata: { url: response.url, mime, bytes: response.body.length },
          attachments: [
            { mime, url: `data:${mime};base64,${response.body.toString('base64')}`, filename: fileName(response.url) },
          ],
        };
      }
      const body = decodeBody(response, contentType);
      const isHtml =
        mime === 'text/html' || mime === 'application/xhtml+xml' || (!mime && /^\s*<(!doctype html|html)/i.test(body));
      let output = body;
      if (isHtml && args.format !== 'html') {
        try {
          output = await convertHtml(body, args.format);
        } catch (err) {
          throw new ToolError((err as Error).message);
        }
      }
      return {
        title,
        output,
        metadata: { url: response.url, mime, bytes: response.body.length, redirects: response.redirects },
      };
    },
  };
}

function decodeBody(response: SafeResponse, contentType: string): string {
  const charset = /charset="?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(response.body);
  } catch {
    return response.body.toString('utf8');
  }
}

function fileName(url: string): string | undefined {
  const last = new URL(url).pathname.split('/').pop();
  return last || undefined;
}

/** The guard's and the fetch's refusals are for the model to read, not server errors. */
function asToolError(error: unknown): never {
  if (error instanceof DomainError) throw new ToolError(error.message);
  throw error;
}
