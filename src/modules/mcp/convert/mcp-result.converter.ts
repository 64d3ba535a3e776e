// Turns an MCP `tools/call` result into our ToolResult: text joined, images/audio and blob resources as
// data-URL attachments, text resources inlined. Caps keep one oversized answer from filling the heap
// before the registry's own (much smaller) truncation runs.
import type { Attachment, ToolResult } from '../../tool/tool.types';
import { ToolError } from '../../tool/tool.types';

export interface McpResultLimits {
  /** Cap on the joined text, in UTF-8 bytes. */
  maxOutputBytes: number;
  /** Cap on all attachments together, in base64 characters. */
  maxAttachmentBytes: number;
}

export const DEFAULT_RESULT_LIMITS: McpResultLimits = {
  maxOutputBytes: 1024 * 1024,
  maxAttachmentBytes: 20 * 1024 * 1024,
};

type Block = { type: string; [key: string]: unknown };
interface RawResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
  toolResult?: unknown;
}

export interface ConvertedContent {
  texts: string[];
  attachments: Attachment[];
  droppedAttachments: number;
}

function dataUrl(mime: string, base64: string): string {
  return `data:${mime};base64,${base64}`;
}

function basename(uri: string): string | undefined {
  const last = uri.split(/[/\\]/).filter(Boolean).pop();
  return last && last !== uri ? last : undefined;
}

/** Shared by tool results and `resources/read`-style embedded resources. */
export function convertContentBlocks(
  blocks: Block[],
  limits: McpResultLimits = DEFAULT_RESULT_LIMITS,
): ConvertedContent {
  const out: ConvertedContent = { texts: [], attachments: [], droppedAttachments: 0 };
  let attachmentBytes = 0;
  const attach = (attachment: Attachment, size: number) => {
    // Dropped rather than truncated: half an image is not an image.
    if (attachmentBytes + size > limits.maxAttachmentBytes) {
      out.droppedAttachments++;
      return;
    }
    attachmentBytes += size;
    out.attachments.push(attachment);
  };
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') {
      out.texts.push(block.text);
    } else if ((block.type === 'image' || block.type === 'audio') && typeof block.data === 'string') {
      const mime = typeof block.mimeType === 'string' ? block.mimeType : 'application/octet-stream';
      attach({ mime, url: dataUrl(mime, block.data) }, block.data.length);
    } else if (block.type === 'resource' && block.resource && typeof block.resource === 'object') {
      const resource = block.resource as { uri?: string; mimeType?: string; text?: string; blob?: string };
      if (typeof resource.text === 'string') {
        out.texts.push(resource.text);
      } else if (typeof resource.blob === 'string') {
        const mime = resource.mimeType ?? 'application/octet-stream';
        const filename = resource.uri ? basename(resource.uri) : undefined;
        attach({ mime, url: dataUrl(mime, resource.blob), ...(filename ? { filename } : {}) }, resource.blob.length);
      }
    } else if (block.type === 'resource_link' && typeof block.uri === 'string') {
      // Links carry no content; the model can read them through the resource tools if it wants to.
      const label = typeof block.name === 'string' ? `${block.name}: ` : '';
      out.texts.push(`Resource link ${label}${block.uri}`);
    }
  }
  return out;
}

export function capUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  // Decoding a cut buffer may end in a partial character; the replacement char is dropped.
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return { text: cut, truncated: true };
}

export function convertCallToolResult(
  raw: RawResult,
  meta: { title: string; server: string; tool: string },
  limits: McpResultLimits = DEFAULT_RESULT_LIMITS,
): ToolResult {
  const blocks = Array.isArray(raw.content) ? (raw.content as Block[]) : [];
  const converted = convertContentBlocks(blocks, limits);
  if (converted.texts.length === 0 && raw.structuredContent !== undefined) {
    converted.texts.push(JSON.stringify(raw.structuredContent));
  }
  if (converted.texts.length === 0 && raw.toolResult !== undefined) {
    // Pre-2024-11 servers answer `{toolResult}` instead of content blocks.
    converted.texts.push(typeof raw.toolResult === 'string' ? raw.toolResult : JSON.stringify(raw.toolResult));
  }
  const { text, truncated } = capUtf8(converted.texts.join('\n\n'), limits.maxOutputBytes);
  if (raw.isError === true) throw new ToolError(text || `MCP tool ${meta.tool} failed`);
  const metadata: Record<string, unknown> = { server: meta.server, tool: meta.tool };
  if (truncated) metadata.truncated = true;
  if (converted.droppedAttachments > 0) metadata.droppedAttachments = converted.droppedAttachments;
  return {
    title: meta.title,
    output: text,
    metadata,
    ...(converted.attachments.length > 0 ? { attachments: converted.attachments } : {}),
  };
}
