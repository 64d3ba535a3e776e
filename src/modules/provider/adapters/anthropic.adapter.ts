import type Anthropic from '@anthropic-ai/sdk';
import { lazyModule } from '../../../core/lazy/lazy-module';
import { eventStream, pushEach } from '../event-stream';
import {
  type EventStream,
  type FinishReason,
  type LanguageModel,
  ProviderError,
  type StreamEvent,
  type StreamRequest,
  type Usage,
} from '../provider.types';
import { parseAdapterOptions, type AdapterOptions } from './adapter.options';
import { buildAnthropicBody } from './anthropic-messages';
import { errorCapturingFetch, findProviderError, fromHttpFailure, fromThrown } from './provider-error.mapper';
import { nonNegative, normaliseArgs } from './stream-blocks';

// The SDK is loaded when the first client is made, not at boot
const anthropicSdk = lazyModule(() => (require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk')).default);

const STOP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
};

export interface AnthropicOptions extends AdapterOptions {
  /** `max_tokens` is mandatory on Anthropic; used when the request sets none. */
  defaultMaxTokens?: number;
  /** Fields every request body carries (Vertex's `anthropic_version`). */
  bodyDefaults?: Record<string, unknown>;
}

export function fromAnthropicError(providerId: string, error: unknown, signal?: AbortSignal): ProviderError {
  const captured = findProviderError(error);
  if (captured) return captured;
  const sdk = anthropicSdk();
  if (error instanceof sdk.APIUserAbortError || signal?.aborted) {
    return new ProviderError('aborted', 'The operation was aborted.', providerId, { cause: error, isRetryable: false });
  }
  if (error instanceof sdk.APIConnectionError) return fromThrown(providerId, error, signal);
  if (error instanceof Error && /could not resolve authentication method/i.test(error.message)) {
    return new ProviderError('auth', 'No API key configured for this provider.', providerId, {
      cause: error,
      isRetryable: false,
      ownMessage: true,
    });
  }
  if (error instanceof sdk.APIError) {
    return fromHttpFailure({
      providerId,
      status: error.status ?? 0,
      message: error.message,
      headers: error.headers,
      body: error.error,
      cause: error,
    });
  }
  return fromThrown(providerId, error, signal);
}

type Open =
  | { kind: 'text'; id: string }
  | { kind: 'thinking'; id: string; signature: string }
  | { kind: 'redacted'; id: string; data: string }
  | { kind: 'tool'; id: string; name: string; json: string };

/** Anthropic Messages streaming with extended thinking and prompt caching. */
export class AnthropicLanguageModel implements LanguageModel {
  readonly providerId: string;
  private readonly client: Anthropic;
  private readonly defaultMaxTokens: number;
  private readonly bodyDefaults: Record<string, unknown>;

  /** `client` replaces the first-party client with one speaking the same API elsewhere (Claude on Vertex). */
  constructor(
    readonly modelId: string,
    options: AnthropicOptions,
    client?: Anthropic,
  ) {
    const parsed = parseAdapterOptions(options);
    this.providerId = parsed.providerId;
    this.defaultMaxTokens = options.defaultMaxTokens ?? 32000;
    this.bodyDefaults = options.bodyDefaults ?? {};
    const headers: Record<string, string | null> = { ...(parsed.headers ?? {}) };
    let apiKey: string | null = parsed.apiKey ?? null;
    if (parsed.authHeader && parsed.authHeader.toLowerCase() !== 'authorization' && parsed.apiKey) {
      // Anthropic-compatible gateways that only read `x-api-key`.
      headers[parsed.authHeader] = parsed.apiKey;
      headers['authorization'] = null;
      apiKey = null;
    }
    if (client) {
      this.client = client;
      return;
    }
    const AnthropicClient = anthropicSdk();
    this.client = new AnthropicClient({
      apiKey,
      authToken: null,
      baseURL: parsed.baseURL ?? 'https://api.anthropic.com',
      defaultHeaders: headers,
      defaultQuery: parsed.query,
      timeout: parsed.timeout,
      maxRetries: 0,
      // Failures surface as ProviderError to the caller; the SDK's own console logging would only add noise.
      logLevel: 'off',
      fetch: errorCapturingFetch(parsed.providerId, parsed.fetch),
    });
  }

  buildBody(request: StreamRequest): Record<string, unknown> {
    return { ...this.bodyDefaults, ...buildAnthropicBody(request, this.modelId, this.defaultMaxTokens) };
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => pushEach(this.events(request), sink));
  }

  private async *events(request: StreamRequest): AsyncIterable<StreamEvent> {
    const signal = request.abortSignal;
    const open = new Map<number, Open>();
    let finish: FinishReason = 'unknown';
    let input = 0;
    let cacheRead = 0;
    let cacheWrite = 0;
    let output = 0;
    try {
      const body = this.buildBody(request) as unknown as Anthropic.MessageCreateParamsStreaming;
      const stream = await this.client.messages.create(body, { signal, headers: request.headers });
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start': {
            const u = event.message.usage;
            input = nonNegative(u.input_tokens);
            cacheRead = nonNegative(u.cache_read_input_tokens);
            cacheWrite = nonNegative(u.cache_creation_input_tokens);
            output = nonNegative(u.output_tokens);
            break;
          }
          case 'content_block_start': {
            const block = event.content_block;
            const id = `${event.index}`;
            if (block.type === 'text') {
              open.set(event.index, { kind: 'text', id });
              yield { type: 'text-start', id };
              if (block.text) yield { type: 'text-delta', id, delta: block.text };
            } else if (block.type === 'thinking') {
              open.set(event.index, { kind: 'thinking', id, signature: block.signature ?? '' });
              yield { type: 'reasoning-start', id };
              if (block.thinking) yield { type: 'reasoning-delta', id, delta: block.thinking };
            } else if (block.type === 'redacted_thinking') {
              open.set(event.index, { kind: 'redacted', id, data: block.data });
              yield { type: 'reasoning-start', id };
            } else if (block.type === 'tool_use') {
              open.set(event.index, { kind: 'tool', id: block.id, name: block.name, json: '' });
              yield { type: 'tool-input-start', id: block.id, name: block.name };
            }
            break;
          }
          case 'content_block_delta': {
            const block = open.get(event.index);
            const delta = event.delta;
            if (!block) break;
            if (delta.type === 'text_delta' && block.kind === 'text')
              yield { type: 'text-delta', id: block.id, delta: delta.text };
            else if (delta.type === 'thinking_delta' && block.kind === 'thinking')
              yield { type: 'reasoning-delta', id: block.id, delta: delta.thinking };
            else if (delta.type === 'signature_delta' && block.kind === 'thinking') block.signature += delta.signature;
            else if (delta.type === 'input_json_delta' && block.kind === 'tool' && delta.partial_json) {
              block.json += delta.partial_json;
              yield { type: 'tool-input-delta', id: block.id, delta: delta.partial_json };
            }
            break;
          }
          case 'content_block_stop': {
            const block = open.get(event.index);
            open.delete(event.index);
            if (!block) break;
            if (block.kind === 'text') yield { type: 'text-end', id: block.id };
            else if (block.kind === 'thinking')
              yield {
                type: 'reasoning-end',
                id: block.id,
                providerMetadata: { anthropic: { signature: block.signature } },
              };
            else if (block.kind === 'redacted')
              yield {
                type: 'reasoning-end',
                id: block.id,
                providerMetadata: { anthropic: { redactedData: block.data } },
              };
            else yield { type: 'tool-call', id: block.id, name: block.name, input: normaliseArgs(block.json) };
            break;
          }
          case 'message_delta': {
            if (event.delta.stop_reason) finish = STOP[event.delta.stop_reason] ?? 'other';
            const u = event.usage as Anthropic.MessageDeltaUsage;
            // message_delta usage is cumulative; newer API versions repeat the input figures there too.
            output = nonNegative(u.output_tokens) || output;
            if (u.input_tokens != null) input = nonNegative(u.input_tokens);
            if (u.cache_read_input_tokens != null) cacheRead = nonNegative(u.cache_read_input_tokens);
            if (u.cache_creation_input_tokens != null) cacheWrite = nonNegative(u.cache_creation_input_tokens);
            break;
          }
          default:
            break;
        }
      }
    } catch (error) {
      throw fromAnthropicError(this.providerId, error, signal);
    }
    if (signal?.aborted) throw fromAnthropicError(this.providerId, signal.reason, signal);
    // Anthropic's input_tokens exclude cache reads and writes; the contract counts all prompt tokens.
    const usage: Usage = { input: input + cacheRead + cacheWrite, output, reasoning: 0, cacheRead, cacheWrite };
    yield {
      type: 'finish',
      reason: finish,
      usage,
      providerMetadata: { anthropic: { cacheCreationInputTokens: cacheWrite } },
    };
  }
}
