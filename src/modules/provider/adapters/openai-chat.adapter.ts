import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { eventStream } from '../event-stream';
import type {
  ContentPart,
  EventSink,
  EventStream,
  LanguageModel,
  ModelMessage,
  StreamEvent,
  StreamRequest,
  ToolResultPart,
} from '../provider.types';
import { parseAdapterOptions, type AdapterOptions } from './adapter.options';
import { postForStream, pumpText, readAll } from './http-stream';
import {
  createOpenAiClient,
  fromOpenAiError,
  mapOpenAiOptions,
  OPENAI_TIMEOUT_MS,
  openAiRequest,
  openAiStreamError,
} from './openai-shared';
import { fromErrorResponse } from './provider-error.mapper';
import { SseJsonDecoder } from './sse-json';
import { ChatChunkAssembler, type ChatChunkChoice, type ChatChunkUsage } from './chat-chunks';
import { isTextMime, textFromDataUrl } from './stream-blocks';

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ChatPart = OpenAI.Chat.Completions.ChatCompletionContentPart;

const OPTION_KEYS: Record<string, string> = {
  reasoningEffort: 'reasoning_effort',
  textVerbosity: 'verbosity',
  parallelToolCalls: 'parallel_tool_calls',
  maxCompletionTokens: 'max_completion_tokens',
  promptCacheKey: 'prompt_cache_key',
  serviceTier: 'service_tier',
  safetyIdentifier: 'safety_identifier',
};

export interface OpenAiChatOptions extends AdapterOptions {
  /** Send `max_completion_tokens` instead of `max_tokens` (OpenAI reasoning models refuse the latter). */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Mistral only accepts tool call ids of exactly 9 letters/digits. */
  toolCallIds?: 'any' | 'mistral';
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Deterministic, so a replayed call and its result keep matching ids. */
export function mistralToolCallId(id: string): string {
  if (/^[a-zA-Z0-9]{9}$/.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += BASE62[digest[i] % 62];
  return out;
}

function userParts(content: Extract<ModelMessage, { role: 'user' }>['content']): string | ChatPart[] {
  if (content.length === 1 && content[0].type === 'text') return content[0].text;
  return content.map((part): ChatPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.mime.startsWith('image/')) return { type: 'image_url', image_url: { url: part.url } };
    if (part.mime === 'application/pdf')
      return { type: 'file', file: { filename: part.filename ?? 'file.pdf', file_data: part.url } };
    if (isTextMime(part.mime) && part.url.startsWith('data:'))
      return { type: 'text', text: textFromDataUrl(part.url) ?? '' };
    return {
      type: 'text',
      text: `[Attached file ${part.filename ?? ''} (${part.mime}) is not supported by this model]`,
    };
  });
}

type IdMap = (id: string) => string;
const sameId: IdMap = (id) => id;

function assistantMessage(content: ContentPart[], interleavedField?: string, mapId: IdMap = sameId): ChatMessage {
  const text = content
    .filter((p) => p.type === 'text')
    .map((p) => p.text)
    .join('');
  const reasoning = content
    .filter((p) => p.type === 'reasoning')
    .map((p) => p.text)
    .join('');
  const calls = content.flatMap((p) =>
    p.type === 'tool-call'
      ? [
          {
            id: mapId(p.id),
            type: 'function' as const,
            function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) },
          },
        ]
      : [],
  );
  const message: Record<string, unknown> = { role: 'assistant', content: text || (calls.length ? null : '') };
  if (calls.length) message.tool_calls = calls;
  // Models with interleaved thinking (Kimi, DeepSeek tool turns) need their reasoning echoed back.
  if (interleavedField && reasoning) message[interleavedField] = reasoning;
  return message as unknown as ChatMessage;
}

function toolMessages(content: ToolResultPart[], mapId: IdMap = sameId): ChatMessage[] {
  const out: ChatMessage[] = content.map((r) => ({ role: 'tool', tool_call_id: mapId(r.id), content: r.output }));
  // Chat completions cannot carry images in tool messages; hand them over in a follow-up user turn.
  const files = content.flatMap((r) => r.attachments ?? []);
  if (files.length) {
    out.push({
      role: 'user',
      content: [
        { type: 'text', text: 'Attachments returned by the tool calls above:' },
        ...(userParts(files.map((f) => ({ type: 'file' as const, ...f }))) as ChatPart[]),
      ],
    });
  }
  return out;
}

export function toOpenAiChatMessages(
  system: string[],
  messages: ModelMessage[],
  interleavedField?: string,
  mapId: IdMap = sameId,
): ChatMessage[] {
  const out: ChatMessage[] = system.filter((s) => s.trim() !== '').map((s) => ({ role: 'system', content: s }));
  for (const message of messages) {
    if (message.role === 'user') out.push({ role: 'user', content: userParts(message.content) } as ChatMessage);
    else if (message.role === 'assistant') out.push(assistantMessage(message.content, interleavedField, mapId));
    else out.push(...toolMessages(message.content, mapId));
  }
  return out;
}

/** OpenAI chat completions, and every OpenAI-compatible endpoint (Groq, OpenRouter, Ollama, Azure, ...). */
export class OpenAiChatLanguageModel implements LanguageModel {
  readonly providerId: string;
  private readonly options: AdapterOptions;
  private readonly client: OpenAI;
  private readonly maxTokensField: string;
  private readonly mapId: IdMap;

  constructor(
    readonly modelId: string,
    options: OpenAiChatOptions,
  ) {
    const parsed = parseAdapterOptions(options);
    this.options = parsed;
    this.providerId = parsed.providerId;
    this.client = createOpenAiClient(parsed);
    this.maxTokensField = options.maxTokensField ?? 'max_tokens';
    this.mapId = options.toolCallIds === 'mistral' ? mistralToolCallId : sameId;
  }

  buildBody(request: StreamRequest): Record<string, unknown> {
    const interleaved = (request.providerOptions?.interleaved as { field?: string } | undefined)?.field;
    const body: Record<string, unknown> = {
      model: request.modelId || this.modelId,
      messages: toOpenAiChatMessages(request.system, request.messages, interleaved, this.mapId),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools.length) {
      body.tools = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.inputSchema },
      }));
      body.tool_choice = request.toolChoice ?? 'auto';
    }
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.maxOutputTokens !== undefined) body[this.maxTokensField] = request.maxOutputTokens;
    return { ...body, ...mapOpenAiOptions(request.providerOptions, OPTION_KEYS) };
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => this.run(request, sink));
  }

  /** One sink call per read of the body, with every event its frames carried. */
  private async run(request: StreamRequest, sink: EventSink): Promise<void> {
    const signal = request.abortSignal;
    const chunks = new ChatChunkAssembler();
    /** One read of the body (or its end) decoded, and its events handed on: a promise when the sink must be waited for. */
    const take = (sse: SseJsonDecoder, read: string | Uint8Array | undefined): void | Promise<void> => {
      const events: StreamEvent[] = [];
      for (const chunk of (read === undefined ? sse.end() : sse.push(read)) as OpenAI.Chat.ChatCompletionChunk[])
        chunks.chunk(events, chunk.choices?.[0] as ChatChunkChoice | undefined, chunk.usage as ChatChunkUsage | null);
      if (events.length) return sink(events);
    };
    try {
      const body = this.buildBody(request);
      // An endpoint reached through a fetch of its own (the egress guard's) goes through the SDK and that fetch.
      if (this.options.fetch) await this.viaSdk(body, request, take);
      else await this.direct(body, request, take);
    } catch (error) {
      throw fromOpenAiError(this.providerId, error, signal);
    }
    // The SDK ends the iteration quietly on abort; the loop must still learn the turn was cut short.
    if (signal?.aborted) throw fromOpenAiError(this.providerId, signal.reason, signal);
    const pending = sink(chunks.end([]));
    if (pending) await pending;
  }

  /** The request sent as the SDK would, its body read as a Node stream (see http-stream.ts). */
  private async direct(body: Record<string, unknown>, request: StreamRequest, take: Take): Promise<void> {
    const { url, headers } = openAiRequest(this.options, 'chat/completions', request.headers);
    const signal = request.abortSignal;
    const timeoutMs = this.options.timeout ?? OPENAI_TIMEOUT_MS;
    const response = await postForStream(url, { headers, body: JSON.stringify(body), signal, timeoutMs });
    if (response.status < 200 || response.status > 299)
      throw fromErrorResponse(this.providerId, response, await readAll(response.body).catch(() => ''));
    const sse = new SseJsonDecoder((error) => openAiStreamError(error, response.headers));
    await pumpText(
      response.body,
      { onText: (text) => take(sse, text), onEnd: () => take(sse, undefined), done: () => sse.done },
      signal,
    );
  }

  private async viaSdk(body: Record<string, unknown>, request: StreamRequest, take: Take): Promise<void> {
    const params = body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
    const response = await this.client.chat.completions
      .create(params, { signal: request.abortSignal, headers: request.headers })
      .asResponse();
    const reader = response.body?.getReader();
    const sse = new SseJsonDecoder((error) => openAiStreamError(error, response.headers));
    let ended = !reader;
    try {
      while (!ended && !sse.done) {
        const read = await reader!.read();
        ended = read.done;
        const pending = take(sse, read.done ? undefined : read.value);
        if (pending) await pending;
      }
    } finally {
      // Ended early ([DONE], an error, the consumer stopped): the rest of the body is not wanted.
      if (!ended) void reader?.cancel().catch(() => undefined);
    }
  }
}

type Take = (sse: SseJsonDecoder, read: string | Uint8Array | undefined) => void | Promise<void>;
