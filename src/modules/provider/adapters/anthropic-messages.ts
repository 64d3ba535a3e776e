import type { ContentPart, ModelMessage, StreamRequest, ToolResultPart } from '../provider.types';
import { groupByRole } from './role-turns';
import { isTextMime, parseDataUrl, textFromDataUrl } from './stream-blocks';

// Request shaping for Anthropic Messages: content blocks, thinking round trip, prompt-cache breakpoints.

type Block = Record<string, unknown>;
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

export interface AnthropicReasoningMeta {
  signature?: string;
  redactedData?: string;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Claude accepts tool ids matching [a-zA-Z0-9_-]+; ids from other providers (e.g. `call.1:x`) are mapped. */
export function anthropicToolId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return clean === '' ? '_' : clean;
}

function fileBlock(part: { mime: string; url: string; filename?: string }): Block {
  const data = part.url.startsWith('data:') ? parseDataUrl(part.url) : undefined;
  if (part.mime.startsWith('image/')) {
    return data
      ? { type: 'image', source: { type: 'base64', media_type: part.mime, data: data.base64 } }
      : { type: 'image', source: { type: 'url', url: part.url } };
  }
  if (part.mime === 'application/pdf') {
    return data
      ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.base64 } }
      : { type: 'document', source: { type: 'url', url: part.url } };
  }
  if (isTextMime(part.mime) && data) return { type: 'text', text: textFromDataUrl(part.url) ?? '' };
  return { type: 'text', text: `[Attached file ${part.filename ?? ''} (${part.mime}) is not supported by this model]` };
}

function assistantBlocks(content: ContentPart[]): Block[] {
  const out: Block[] = [];
  for (const part of content) {
    if (part.type === 'text' && part.text !== '') out.push({ type: 'text', text: part.text });
    if (part.type === 'reasoning') {
      const meta = (part.providerMetadata?.anthropic ?? {}) as AnthropicReasoningMeta;
      // Thinking is only accepted back with the signature Anthropic issued for it.
      if (meta.redactedData) out.push({ type: 'redacted_thinking', data: meta.redactedData });
      else if (meta.signature) out.push({ type: 'thinking', thinking: part.text, signature: meta.signature });
    }
    if (part.type === 'tool-call')
      out.push({ type: 'tool_use', id: anthropicToolId(part.id), name: part.name, input: part.input ?? {} });
    if (part.type === 'file') out.push(fileBlock(part));
  }
  return out;
}

function toolResultBlocks(content: ToolResultPart[]): Block[] {
  return content.map((r) => ({
    type: 'tool_result',
    tool_use_id: anthropicToolId(r.id),
    content: [{ type: 'text', text: r.output || '(no output)' }, ...(r.attachments ?? []).map(fileBlock)],
    ...(r.isError ? { is_error: true } : {}),
  }));
}

export function toAnthropicMessages(messages: ModelMessage[]): AnthropicMessage[] {
  return groupByRole<Block>(messages, {
    assistant: assistantBlocks,
    toolResults: toolResultBlocks,
    text: (text) => ({ type: 'text', text }),
    file: fileBlock,
  });
}

/** OpenCode's breakpoints: the first two system blocks and the last two non-system messages. */
export function applyCacheBreakpoints(system: Block[], messages: AnthropicMessage[]): void {
  for (const block of system.slice(0, 2)) block.cache_control = EPHEMERAL;
  for (const message of messages.slice(-2)) {
    const last = message.content[message.content.length - 1];
    if (last && last.type !== 'thinking' && last.type !== 'redacted_thinking') last.cache_control = EPHEMERAL;
  }
}

const OPTION_KEYS: Record<string, string> = {
  sendReasoning: '',
  cacheControl: '',
  topK: 'top_k',
  stopSequences: 'stop_sequences',
};

export function buildAnthropicBody(
  request: StreamRequest,
  defaultModel: string,
  defaultMaxTokens: number,
): Record<string, unknown> {
  const system: Block[] = request.system.filter((s) => s.trim() !== '').map((text) => ({ type: 'text', text }));
  const messages = toAnthropicMessages(request.messages);
  if (request.providerOptions?.cacheControl !== false) applyCacheBreakpoints(system, messages);
  const body: Record<string, unknown> = {
    model: request.modelId || defaultModel,
    max_tokens: request.maxOutputTokens ?? defaultMaxTokens,
    messages,
    stream: true,
  };
  if (system.length) body.system = system;
  if (request.tools.length && request.toolChoice !== 'none') {
    body.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
    body.tool_choice = { type: request.toolChoice === 'required' ? 'any' : 'auto' };
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  for (const [key, value] of Object.entries(request.providerOptions ?? {})) {
    const mapped = key in OPTION_KEYS ? OPTION_KEYS[key] : key;
    if (mapped && value !== undefined) body[mapped] = value;
  }
  return body;
}
