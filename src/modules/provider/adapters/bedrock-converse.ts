import { createHash } from 'node:crypto';
import type {
  ContentBlock,
  ConverseStreamCommandInput,
  Message,
  SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { ContentPart, ModelMessage, StreamRequest, ToolResultPart } from '../provider.types';
import { groupByRole } from './role-turns';
import { isTextMime, parseDataUrl, textFromDataUrl } from './stream-blocks';

// Request shaping for Bedrock's Converse API: content blocks, the reasoning round trip (text + signature, or
// redacted bytes), tool use/results, cache points where the model family takes them, and thinking budgets.

export interface BedrockReasoningMeta {
  signature?: string;
  /** Base64 of the redacted reasoning bytes. */
  redactedData?: string;
}

const IMAGE_FORMATS: Record<string, 'png' | 'jpeg' | 'gif' | 'webp'> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Record<string, 'pdf' | 'csv' | 'html' | 'txt' | 'md'> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/markdown': 'md',
};

/** Bedrock tool ids match [a-zA-Z0-9_-]+ (at most 64); ids from other providers are mapped deterministically. */
export function bedrockToolId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return clean === '' ? '_' : clean;
}

/** Document names allow letters, digits, spaces, hyphens, parentheses and brackets, unique per request. */
function documentName(filename: string | undefined, url: string): string {
  const base = (filename ?? '').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9 ()[\]-]/g, '-');
  return `${base.trim() || 'document'}-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}

function fileBlock(part: { mime: string; url: string; filename?: string }): ContentBlock {
  const data = part.url.startsWith('data:') ? parseDataUrl(part.url) : undefined;
  if (!data)
    return { text: `[Attached file ${part.filename ?? ''} (${part.mime}) could not be sent: not inline data]` };
  const bytes = new Uint8Array(Buffer.from(data.base64, 'base64'));
  const image = IMAGE_FORMATS[part.mime];
  if (image) return { image: { format: image, source: { bytes } } };
  const doc = DOCUMENT_FORMATS[part.mime];
  if (doc) return { document: { format: doc, name: documentName(part.filename, part.url), source: { bytes } } };
  if (isTextMime(part.mime)) return { text: textFromDataUrl(part.url) ?? '' };
  return { text: `[Attached file ${part.filename ?? ''} (${part.mime}) is not supported by this model]` };
}

function assistantBlocks(content: ContentPart[]): ContentBlock[] {
  const out: ContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text' && part.text !== '') out.push({ text: part.text });
    if (part.type === 'reasoning') {
      const meta = (part.providerMetadata?.bedrock ?? {}) as BedrockReasoningMeta;
      // Reasoning is only accepted back as the model signed it (or as the opaque redacted bytes).
      if (meta.redactedData)
        out.push({ reasoningContent: { redactedContent: new Uint8Array(Buffer.from(meta.redactedData, 'base64')) } });
      else if (meta.signature)
        out.push({ reasoningContent: { reasoningText: { text: part.text, signature: meta.signature } } });
    }
    if (part.type === 'tool-call')
      out.push({
        toolUse: { toolUseId: bedrockToolId(part.id), name: part.name, input: (part.input ?? {}) as never },
      });
    if (part.type === 'file') out.push(fileBlock(part));
  }
  return out;
}

function toolResultBlocks(content: ToolResultPart[]): ContentBlock[] {
  return content.map((r) => ({
    toolResult: {
      toolUseId: bedrockToolId(r.id),
      content: [
        { text: r.output || '(no output)' },
        ...(r.attachments ?? []).flatMap((a) => {
          const block = fileBlock(a);
          return 'image' in block && block.image ? [{ image: block.image }] : [];
        }),
      ],
      status: r.isError ? 'error' : 'success',
    },
  }));
}

export function toBedrockMessages(messages: ModelMessage[]): Message[] {
  return groupByRole<ContentBlock>(messages, {
    assistant: assistantBlocks,
    toolResults: toolResultBlocks,
    text: (text) => ({ text }),
    file: fileBlock,
  });
}

/** Prompt caching on Bedrock is a `cachePoint` block; Claude and Nova models take it. */
export function supportsCachePoints(modelId: string): boolean {
  return /anthropic\.claude|amazon\.nova/.test(modelId);
}

const CACHE_POINT = { cachePoint: { type: 'default' as const } };

interface ReasoningConfig {
  type?: string;
  budgetTokens?: number;
  maxReasoningEffort?: string;
}

/**
 * ConverseStream input. Provider options (OpenCode's `@ai-sdk/amazon-bedrock` names): `reasoningConfig`
 * ({type:'enabled', budgetTokens}: Claude thinking; {maxReasoningEffort}: Nova), `additionalModelRequestFields`,
 * `cachePoints` (false turns caching off), `guardrailConfig`, `performanceConfig`.
 */
export function buildConverseInput(request: StreamRequest, modelId: string): ConverseStreamCommandInput {
  const options = request.providerOptions ?? {};
  const system: SystemContentBlock[] = request.system.filter((s) => s.trim() !== '').map((text) => ({ text }));
  const messages = toBedrockMessages(request.messages);
  if (options.cachePoints !== false && supportsCachePoints(modelId)) {
    if (system.length) system.push(CACHE_POINT);
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    lastUser?.content?.push(CACHE_POINT);
  }
  const additional: Record<string, unknown> = {
    ...((options.additionalModelRequestFields as Record<string, unknown> | undefined) ?? {}),
  };
  const reasoning = options.reasoningConfig as ReasoningConfig | undefined;
  let thinking = false;
  if (reasoning?.type === 'enabled' && reasoning.budgetTokens) {
    additional.thinking = { type: 'enabled', budget_tokens: reasoning.budgetTokens };
    thinking = true;
  } else if (reasoning?.maxReasoningEffort) {
    additional.reasoningConfig = { type: 'enabled', maxReasoningEffort: reasoning.maxReasoningEffort };
  }
  if (request.topK !== undefined && !thinking) additional.top_k = request.topK;
  const input: ConverseStreamCommandInput = {
    modelId,
    messages,
    inferenceConfig: {
      ...(request.maxOutputTokens !== undefined ? { maxTokens: request.maxOutputTokens } : {}),
      // Claude refuses sampling parameters alongside extended thinking.
      ...(request.temperature !== undefined && !thinking ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined && !thinking ? { topP: request.topP } : {}),
    },
  };
  if (system.length) input.system = system;
  if (request.tools.length && request.toolChoice !== 'none') {
    input.toolConfig = {
      tools: request.tools.map((t) => ({
        toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as never } },
      })),
      toolChoice: request.toolChoice === 'required' ? { any: {} } : { auto: {} },
    };
  } else if (messages.some((m) => m.content?.some((b) => 'toolUse' in b && b.toolUse))) {
    // Converse refuses a history with tool use and no tool config; a placeholder tool keeps it valid.
    input.toolConfig = {
      tools: [{ toolSpec: { name: 'noop', description: 'Unused.', inputSchema: { json: { type: 'object' } } } }],
    };
  }
  if (Object.keys(additional).length) input.additionalModelRequestFields = additional as never;
  if (options.guardrailConfig) input.guardrailConfig = options.guardrailConfig as never;
  if (options.performanceConfig) input.performanceConfig = options.performanceConfig as never;
  return input;
}
