import type OpenAI from 'openai';
import { eventStream, pushEach } from '../event-stream';
import {
  type EventStream,
  type FinishReason,
  type LanguageModel,
  type ModelMessage,
  ProviderError,
  type StreamEvent,
  type StreamRequest,
  type ToolResultPart,
  type Usage,
} from '../provider.types';
import { parseAdapterOptions, type AdapterOptions } from './adapter.options';
import { createOpenAiClient, fromOpenAiError, mapOpenAiOptions } from './openai-shared';
import { fromHttpFailure } from './provider-error.mapper';
import { emptyUsage, isTextMime, nonNegative, normaliseArgs, StreamBlocks, textFromDataUrl } from './stream-blocks';

type InputItem = Record<string, unknown>;

export interface OpenAiResponsesOptions extends AdapterOptions {
  /** Reasoning models take system text as `developer` messages. */
  systemRole?: 'system' | 'developer';
  /** `store: false` (default, like OpenCode) means reasoning must be round-tripped as encrypted content. */
  store?: boolean;
}

interface OpenAiItemMeta {
  itemId?: string;
  reasoningEncryptedContent?: string | null;
}

function metaOf(part: { providerMetadata?: Record<string, unknown> }): OpenAiItemMeta {
  return (part.providerMetadata?.openai ?? {}) as OpenAiItemMeta;
}

function userContent(
  content:
    | Extract<ModelMessage, { role: 'user' }>['content']
    | { type: 'file'; mime: string; url: string; filename?: string }[],
) {
  return content.map((part) => {
    if (part.type === 'text') return { type: 'input_text', text: part.text };
    if (part.mime.startsWith('image/')) return { type: 'input_image', image_url: part.url, detail: 'auto' };
    if (part.mime === 'application/pdf')
      return { type: 'input_file', filename: part.filename ?? 'file.pdf', file_data: part.url };
    if (isTextMime(part.mime) && part.url.startsWith('data:'))
      return { type: 'input_text', text: textFromDataUrl(part.url) ?? '' };
    return {
      type: 'input_text',
      text: `[Attached file ${part.filename ?? ''} (${part.mime}) is not supported by this model]`,
    };
  });
}

function toolOutputs(content: ToolResultPart[]): InputItem[] {
  return content.map((r) => {
    if (!r.attachments?.length) return { type: 'function_call_output', call_id: r.id, output: r.output };
    return {
      type: 'function_call_output',
      call_id: r.id,
      output: [
        { type: 'input_text', text: r.output },
        ...userContent(r.attachments.map((a) => ({ type: 'file' as const, ...a }))),
      ],
    };
  });
}

export function toResponsesInput(
  system: string[],
  messages: ModelMessage[],
  opts: { systemRole: 'system' | 'developer'; store: boolean },
): InputItem[] {
  const items: InputItem[] = system.filter((s) => s.trim() !== '').map((s) => ({ role: opts.systemRole, content: s }));
  for (const message of messages) {
    if (message.role === 'user') {
      items.push({ role: 'user', content: userContent(message.content) });
      continue;
    }
    if (message.role === 'tool') {
      items.push(...toolOutputs(message.content));
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') {
        items.push({ role: 'assistant', content: [{ type: 'output_text', text: part.text }] });
      } else if (part.type === 'reasoning') {
        const meta = metaOf(part);
        // Without stored items the API only accepts reasoning we can hand back encrypted; otherwise refer to it.
        if (meta.reasoningEncryptedContent) {
          items.push({
            type: 'reasoning',
            ...(meta.itemId ? { id: meta.itemId } : {}),
            summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
            encrypted_content: meta.reasoningEncryptedContent,
          });
        } else if (opts.store && meta.itemId) {
          items.push({ type: 'item_reference', id: meta.itemId });
        }
      } else if (part.type === 'tool-call') {
        items.push({
          type: 'function_call',
          call_id: part.id,
          name: part.name,
          arguments: JSON.stringify(part.input ?? {}),
        });
      }
    }
  }
  return items;
}

function usageFrom(u: OpenAI.Responses.ResponseUsage | null | undefined): Usage {
  if (!u) return emptyUsage();
  return {
    input: nonNegative(u.input_tokens),
    output: nonNegative(u.output_tokens),
    reasoning: nonNegative(u.output_tokens_details?.reasoning_tokens),
    cacheRead: nonNegative(u.input_tokens_details?.cached_tokens),
    cacheWrite: 0,
  };
}

/** OpenAI Responses API (reasoning models, encrypted reasoning round trip). */
export class OpenAiResponsesLanguageModel implements LanguageModel {
  readonly providerId: string;
  private readonly client: OpenAI;
  private readonly systemRole: 'system' | 'developer';
  private readonly store: boolean;

  constructor(
    readonly modelId: string,
    options: OpenAiResponsesOptions,
  ) {
    const parsed = parseAdapterOptions(options);
    this.providerId = parsed.providerId;
    this.client = createOpenAiClient(parsed);
    this.systemRole = options.systemRole ?? (/^(o\d|gpt-5|codex)/.test(modelId) ? 'developer' : 'system');
    this.store = options.store ?? false;
  }

  buildBody(request: StreamRequest): Record<string, unknown> {
    const options = { ...(request.providerOptions ?? {}) };
    const reasoning: Record<string, unknown> = {};
    if (options.reasoningEffort !== undefined) reasoning.effort = options.reasoningEffort;
    if (options.reasoningSummary !== undefined) reasoning.summary = options.reasoningSummary;
    const text = options.textVerbosity !== undefined ? { verbosity: options.textVerbosity } : undefined;
    delete options.reasoningEffort;
    delete options.reasoningSummary;
    delete options.textVerbosity;
    const body: Record<string, unknown> = {
      model: request.modelId || this.modelId,
      input: toResponsesInput(request.system, request.messages, { systemRole: this.systemRole, store: this.store }),
      stream: true,
      store: this.store,
    };
    if (Object.keys(reasoning).length) {
      body.reasoning = reasoning;
      if (!this.store) body.include = ['reasoning.encrypted_content'];
    }
    if (text) body.text = text;
    if (request.tools.length) {
      body.tools = request.tools.map((t) => ({
        type: 'function',
        name: t.name,
        description: t.description,
        parameters: t.inputSchema,
        strict: false,
      }));
      body.tool_choice = request.toolChoice ?? 'auto';
    }
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
    return {
      ...body,
      ...mapOpenAiOptions(options, {
        promptCacheKey: 'prompt_cache_key',
        serviceTier: 'service_tier',
        parallelToolCalls: 'parallel_tool_calls',
        safetyIdentifier: 'safety_identifier',
      }),
    };
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => pushEach(this.events(request), sink));
  }

  private async *events(request: StreamRequest): AsyncIterable<StreamEvent> {
    const signal = request.abortSignal;
    const blocks = new StreamBlocks('rsp');
    const callIds = new Map<string, { callId: string; name: string }>();
    const summaryParts = new Set<string>();
    let sawToolCall = false;
    let finish: FinishReason = 'unknown';
    let usage = emptyUsage();
    try {
      const body = this.buildBody(request) as unknown as OpenAI.Responses.ResponseCreateParamsStreaming;
      const stream = await this.client.responses.create(body, { signal, headers: request.headers });
      for await (const event of stream) {
        switch (event.type) {
          case 'response.output_item.added':
            if (event.item.type === 'function_call') {
              yield* blocks.close([]);
              callIds.set(event.item.id ?? event.item.call_id, { callId: event.item.call_id, name: event.item.name });
              yield { type: 'tool-input-start', id: event.item.call_id, name: event.item.name };
            } else if (event.item.type === 'reasoning' && event.item.id) {
              yield* blocks.start([], 'reasoning', event.item.id);
            }
            break;
          case 'response.reasoning_summary_text.delta': {
            // Several summary parts of one reasoning item read as paragraphs.
            const key = `${event.item_id}:${event.summary_index}`;
            const firstOfLaterPart = event.summary_index > 0 && !summaryParts.has(key);
            summaryParts.add(key);
            yield* blocks.delta([], 'reasoning', firstOfLaterPart ? `\n\n${event.delta}` : event.delta, event.item_id);
            break;
          }
          case 'response.output_text.delta':
            yield* blocks.delta([], 'text', event.delta, event.item_id);
            break;
          case 'response.function_call_arguments.delta': {
            const call = callIds.get(event.item_id);
            if (call && event.delta) yield { type: 'tool-input-delta', id: call.callId, delta: event.delta };
            break;
          }
          case 'response.output_item.done':
            if (event.item.type === 'function_call') {
              sawToolCall = true;
              yield {
                type: 'tool-call',
                id: event.item.call_id,
                name: event.item.name,
                input: normaliseArgs(event.item.arguments ?? ''),
              };
            } else if (event.item.type === 'reasoning' && blocks.current?.id === event.item.id) {
              yield* blocks.close([], {
                openai: { itemId: event.item.id, reasoningEncryptedContent: event.item.encrypted_content ?? null },
              });
            } else if (event.item.type === 'message' && blocks.current?.id === event.item.id) {
              yield* blocks.close([], { openai: { itemId: event.item.id } });
            }
            break;
          case 'response.completed':
            usage = usageFrom(event.response.usage);
            finish = sawToolCall ? 'tool-calls' : 'stop';
            break;
          case 'response.incomplete': {
            usage = usageFrom(event.response.usage);
            const reason = event.response.incomplete_details?.reason;
            finish =
              reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content-filter' : 'other';
            break;
          }
          case 'response.failed': {
            const err = event.response.error;
            throw fromHttpFailure({
              providerId: this.providerId,
              status: 0,
              message: err?.message ?? 'Response failed',
              body: { error: err },
            });
          }
          default:
            break;
        }
      }
    } catch (error) {
      throw error instanceof ProviderError ? error : fromOpenAiError(this.providerId, error, signal);
    }
    if (signal?.aborted) throw fromOpenAiError(this.providerId, signal.reason, signal);
    yield* blocks.close([]);
    yield { type: 'finish', reason: finish, usage };
  }
}
