import type { GenerateContentConfig, GenerateContentResponseUsageMetadata, GoogleGenAI } from '@google/genai';
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
import { GENERATED_CALL_PREFIX, toGeminiContents } from './google-contents';
import {
  dispatcherSafeFetch,
  errorCapturingFetch,
  findProviderError,
  fromHttpFailure,
  fromThrown,
} from './provider-error.mapper';
import { emptyUsage, nonNegative, StreamBlocks } from './stream-blocks';

// The SDK is loaded when the first client is made, not at boot
const genAiSdk = lazyModule(() => require('@google/genai') as typeof import('@google/genai'));

export interface GoogleOptions extends AdapterOptions {
  /** Vertex AI instead of the Gemini API: express mode with `apiKey`, or service-account credentials. */
  vertex?: { project?: string; location?: string; credentials?: Record<string, unknown> };
  /** `v1` (SDK default) or `v1beta`; Vertex defaults to `v1beta1`. */
  apiVersion?: string;
}

const FINISH: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content-filter',
  RECITATION: 'content-filter',
  BLOCKLIST: 'content-filter',
  PROHIBITED_CONTENT: 'content-filter',
  SPII: 'content-filter',
  IMAGE_SAFETY: 'content-filter',
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
};

function usageFrom(u: GenerateContentResponseUsageMetadata | undefined): Usage {
  if (!u) return emptyUsage();
  const thoughts = nonNegative(u.thoughtsTokenCount);
  // Gemini's candidatesTokenCount leaves thoughts out; the contract's output includes reasoning.
  return {
    input: nonNegative(u.promptTokenCount),
    output: nonNegative(u.candidatesTokenCount) + thoughts,
    reasoning: thoughts,
    cacheRead: nonNegative(u.cachedContentTokenCount),
    cacheWrite: 0,
  };
}

export function fromGoogleError(providerId: string, error: unknown, signal?: AbortSignal): ProviderError {
  const captured = findProviderError(error);
  if (captured) return captured;
  if (signal?.aborted)
    return new ProviderError('aborted', 'The operation was aborted.', providerId, { cause: error, isRetryable: false });
  const e = error as { name?: string; status?: number; message?: string };
  if (e?.name === 'ApiError' && typeof e.status === 'number') {
    // Stream error chunks arrive as "got status: X. {json}".
    const json = /\. (\{.*\})$/s.exec(e.message ?? '')?.[1];
    let body: unknown = json;
    try {
      body = json ? JSON.parse(json) : undefined;
    } catch {
      body = json;
    }
    return fromHttpFailure({ providerId, status: e.status, message: e.message, body, rawBody: json, cause: error });
  }
  return fromThrown(providerId, error, signal);
}

/** Gemini API and Vertex AI through @google/genai: function calling, thinking, thought signatures. */
export class GoogleLanguageModel implements LanguageModel {
  readonly providerId: string;
  private readonly client: GoogleGenAI;

  constructor(
    readonly modelId: string,
    options: GoogleOptions,
  ) {
    const parsed = parseAdapterOptions(options);
    this.providerId = parsed.providerId;
    const httpOptions = {
      baseUrl: parsed.baseURL,
      headers: parsed.headers,
      timeout: parsed.timeout,
      apiVersion: options.apiVersion,
      fetch: errorCapturingFetch(parsed.providerId, dispatcherSafeFetch(parsed.fetch)),
    };
    const { GoogleGenAI: GenAiClient } = genAiSdk();
    this.client = options.vertex
      ? new GenAiClient({
          vertexai: true,
          ...(parsed.apiKey
            ? { apiKey: parsed.apiKey }
            : { project: options.vertex.project, location: options.vertex.location }),
          ...(options.vertex.credentials ? { googleAuthOptions: { credentials: options.vertex.credentials } } : {}),
          httpOptions,
        })
      : new GenAiClient({ apiKey: parsed.apiKey ?? '', httpOptions });
  }

  buildConfig(request: StreamRequest): GenerateContentConfig {
    const config: GenerateContentConfig = { abortSignal: request.abortSignal };
    const system = request.system.filter((s) => s.trim() !== '');
    if (system.length) config.systemInstruction = { role: 'user', parts: system.map((text) => ({ text })) };
    if (request.tools.length) {
      config.tools = [
        {
          functionDeclarations: request.tools.map((t) => ({
            name: t.name,
            description: t.description,
            parametersJsonSchema: t.inputSchema,
          })),
        },
      ];
      const mode = request.toolChoice === 'required' ? 'ANY' : request.toolChoice === 'none' ? 'NONE' : 'AUTO';
      config.toolConfig = { functionCallingConfig: { mode: mode as never } };
    }
    if (request.temperature !== undefined) config.temperature = request.temperature;
    if (request.topP !== undefined) config.topP = request.topP;
    if (request.topK !== undefined) config.topK = request.topK;
    if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
    if (request.headers) config.httpOptions = { headers: request.headers };
    // Provider options use the SDK's own names (thinkingConfig, safetySettings, ...).
    return { ...config, ...(request.providerOptions ?? {}) } as GenerateContentConfig;
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => pushEach(this.events(request), sink));
  }

  private async *events(request: StreamRequest): AsyncIterable<StreamEvent> {
    const signal = request.abortSignal;
    const blocks = new StreamBlocks('g');
    let pendingSignature: string | undefined;
    let finish: FinishReason = 'unknown';
    let usage = emptyUsage();
    let calls = 0;
    try {
      const stream = await this.client.models.generateContentStream({
        model: request.modelId || this.modelId,
        contents: toGeminiContents(request.messages),
        config: this.buildConfig(request),
      });
      for await (const chunk of stream) {
        if (chunk.usageMetadata) usage = usageFrom(chunk.usageMetadata);
        const candidate = chunk.candidates?.[0];
        for (const part of candidate?.content?.parts ?? []) {
          if (part.functionCall) {
            yield* blocks.close([], pendingSignature ? { google: { thoughtSignature: pendingSignature } } : undefined);
            pendingSignature = undefined;
            const id = part.functionCall.id ?? `${GENERATED_CALL_PREFIX}${Date.now().toString(36)}_${calls}`;
            calls++;
            const name = part.functionCall.name ?? '';
            const input = JSON.stringify(part.functionCall.args ?? {});
            yield { type: 'tool-input-start', id, name };
            yield { type: 'tool-input-delta', id, delta: input };
            yield {
              type: 'tool-call',
              id,
              name,
              input,
              ...(part.thoughtSignature
                ? { providerMetadata: { google: { thoughtSignature: part.thoughtSignature } } }
                : {}),
            };
            continue;
          }
          if (typeof part.text === 'string') {
            const kind = part.thought ? 'reasoning' : 'text';
            if (blocks.current && blocks.current.kind !== kind) {
              yield* blocks.close(
                [],
                pendingSignature ? { google: { thoughtSignature: pendingSignature } } : undefined,
              );
              pendingSignature = undefined;
            }
            yield* blocks.delta([], kind, part.text);
            if (part.thoughtSignature && part.text === '' && !blocks.current) yield* blocks.start([], kind);
          }
          if (part.thoughtSignature) pendingSignature = part.thoughtSignature;
        }
        if (candidate?.finishReason) finish = FINISH[candidate.finishReason] ?? 'other';
      }
    } catch (error) {
      throw fromGoogleError(this.providerId, error, signal);
    }
    if (signal?.aborted) throw fromGoogleError(this.providerId, signal.reason, signal);
    yield* blocks.close([], pendingSignature ? { google: { thoughtSignature: pendingSignature } } : undefined);
    if (finish === 'stop' && calls > 0) finish = 'tool-calls';
    yield { type: 'finish', reason: finish, usage };
  }
}
