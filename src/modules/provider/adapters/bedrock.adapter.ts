import type { BedrockRuntimeClient, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { lazyModule } from '../../../core/lazy/lazy-module';
import { eventStream, pushEach } from '../event-stream';
import {
  type EventStream,
  type FinishReason,
  type LanguageModel,
  ProviderError,
  type ProviderErrorKind,
  type StreamEvent,
  type StreamRequest,
  type Usage,
} from '../provider.types';
import type { FetchLike } from './adapter.options';
import { buildConverseInput } from './bedrock-converse';
import { FetchHttpHandler } from './fetch-http-handler';
import { isContextOverflowMessage, fromThrown } from './provider-error.mapper';
import { nonNegative, normaliseArgs, StreamBlocks } from './stream-blocks';

// The SDK is loaded when the first client is made, not at boot
const bedrockSdk = lazyModule(
  () => require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime'),
);

/** How the adapter authenticates: a Bedrock API key (bearer) or an IAM access key pair (SigV4). */
export type BedrockAuth =
  | { type: 'bearer'; token: string }
  | { type: 'sigv4'; accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface BedrockOptions {
  providerId: string;
  region: string;
  auth: BedrockAuth;
  /** Endpoint override (a VPC endpoint, a proxy, the test fake); default `https://bedrock-runtime.<region>.amazonaws.com`. */
  baseURL?: string;
  headers?: Record<string, string>;
  timeout?: number;
  fetch?: FetchLike;
}

const STOP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

const ERRORS: Record<string, { kind: ProviderErrorKind; retry: boolean }> = {
  ThrottlingException: { kind: 'rate_limit', retry: true },
  ServiceUnavailableException: { kind: 'overloaded', retry: true },
  ModelNotReadyException: { kind: 'overloaded', retry: true },
  InternalServerException: { kind: 'api', retry: true },
  ModelStreamErrorException: { kind: 'api', retry: true },
  ModelTimeoutException: { kind: 'network', retry: true },
  ModelErrorException: { kind: 'api', retry: false },
  ServiceQuotaExceededException: { kind: 'api', retry: false },
  ResourceNotFoundException: { kind: 'api', retry: false },
  ValidationException: { kind: 'api', retry: false },
  AccessDeniedException: { kind: 'auth', retry: false },
  UnrecognizedClientException: { kind: 'auth', retry: false },
  ExpiredTokenException: { kind: 'auth', retry: false },
  InvalidSignatureException: { kind: 'auth', retry: false },
  IncompleteSignatureException: { kind: 'auth', retry: false },
};

/** SDK exceptions (HTTP errors and exception frames inside the stream) as ProviderErrors with OpenCode's retry rules. */
export function fromBedrockError(providerId: string, error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    $response?: { headers?: Record<string, string> };
  };
  const status = e?.$metadata?.httpStatusCode;
  const responseHeaders = e?.$response?.headers;
  const known = e?.name ? ERRORS[e.name] : undefined;
  if (!known || signal?.aborted) {
    if (status && status >= 400 && e.$fault) {
      const kind: ProviderErrorKind = status === 401 || status === 403 ? 'auth' : status === 429 ? 'rate_limit' : 'api';
      return new ProviderError(kind, e.message ?? `HTTP ${status}`, providerId, {
        statusCode: status,
        isRetryable: kind === 'rate_limit' || status >= 500,
        providerCode: e.name,
        responseHeaders,
        cause: error,
      });
    }
    return fromThrown(providerId, error, signal);
  }
  const message = e.message || e.name!;
  const overflow = e.name === 'ValidationException' && isContextOverflowMessage(message);
  return new ProviderError(overflow ? 'context_overflow' : known.kind, message, providerId, {
    statusCode: status,
    isRetryable: overflow ? false : known.retry,
    providerCode: e.name,
    responseHeaders,
    cause: error,
  });
}

/** Amazon Bedrock through the Converse streaming API (every model family Bedrock serves with one wire). */
export class BedrockLanguageModel implements LanguageModel {
  readonly providerId: string;
  private readonly client: BedrockRuntimeClient;

  constructor(
    readonly modelId: string,
    options: BedrockOptions,
  ) {
    this.providerId = options.providerId;
    const sdk = bedrockSdk();
    const refuse = (what: string) => async () => {
      throw new ProviderError('auth', `Bedrock is configured for ${what}`, options.providerId, {
        isRetryable: false,
        ownMessage: true,
      });
    };
    const auth = options.auth;
    // Credentials are always explicit: the SDK's default chain (profiles, SSO caches, instance metadata) is never consulted.
    this.client = new sdk.BedrockRuntimeClient({
      region: options.region,
      ...(options.baseURL ? { endpoint: options.baseURL } : {}),
      ...(auth.type === 'bearer'
        ? {
            token: { token: auth.token },
            authSchemePreference: ['httpBearerAuth'],
            credentials: refuse('an API key, not an access key pair'),
          }
        : {
            credentials: {
              accessKeyId: auth.accessKeyId,
              secretAccessKey: auth.secretAccessKey,
              ...(auth.sessionToken ? { sessionToken: auth.sessionToken } : {}),
            },
            authSchemePreference: ['sigv4'],
            token: refuse('an access key pair, not an API key'),
          }),
      maxAttempts: 1,
      retryMode: 'standard',
      useDualstackEndpoint: false,
      useFipsEndpoint: false,
      requestHandler: new FetchHttpHandler(options.fetch, options.timeout) as never,
    });
    const headers = options.headers ?? {};
    if (Object.keys(headers).length) {
      this.client.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { headers?: Record<string, string> };
          if (req.headers) Object.assign(req.headers, headers);
          return next(args);
        },
        { step: 'build', name: 'openCodeHeaders' },
      );
    }
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => pushEach(this.events(request), sink));
  }

  private async *events(request: StreamRequest): AsyncIterable<StreamEvent> {
    const signal = request.abortSignal;
    const sdk = bedrockSdk();
    const blocks = new StreamBlocks('bedrock-');
    const tools = new Map<number, { id: string; name: string; json: string }>();
    let signature = '';
    let redacted: string | undefined;
    let finish: FinishReason = 'unknown';
    const raw = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    const closeReasoning = function* (): Generator<StreamEvent> {
      if (blocks.current?.kind !== 'reasoning') return;
      yield* blocks.close([], { bedrock: redacted ? { redactedData: redacted } : { signature } });
      [signature, redacted] = ['', undefined];
    };
    try {
      const command = new sdk.ConverseStreamCommand(buildConverseInput(request, this.modelId));
      const response = await this.client.send(command, { abortSignal: signal });
      for await (const event of response.stream ?? ([] as ConverseStreamOutput[])) {
        if (event.contentBlockStart?.start?.toolUse) {
          const { toolUseId, name } = event.contentBlockStart.start.toolUse;
          yield* closeReasoning();
          yield* blocks.close([]);
          const id = toolUseId ?? `tool-${event.contentBlockStart.contentBlockIndex}`;
          tools.set(event.contentBlockStart.contentBlockIndex ?? 0, { id, name: name ?? '', json: '' });
          yield { type: 'tool-input-start', id, name: name ?? '' };
        } else if (event.contentBlockDelta) {
          const index = event.contentBlockDelta.contentBlockIndex ?? 0;
          const delta = (event.contentBlockDelta.delta ?? {}) as {
            text?: string;
            reasoningContent?: { text?: string; signature?: string; redactedContent?: Uint8Array };
            toolUse?: { input?: string };
          };
          if (typeof delta.text === 'string') {
            yield* closeReasoning();
            yield* blocks.delta([], 'text', delta.text, `bedrock-${index}`);
          } else if (delta.reasoningContent) {
            const r = delta.reasoningContent;
            if (typeof r.text === 'string') yield* blocks.delta([], 'reasoning', r.text, `bedrock-${index}`);
            if (typeof r.signature === 'string') signature += r.signature;
            if (r.redactedContent) {
              if (blocks.current?.kind !== 'reasoning') yield* blocks.start([], 'reasoning', `bedrock-${index}`);
              redacted = Buffer.from(r.redactedContent).toString('base64');
            }
          } else if (delta.toolUse) {
            const tool = tools.get(index);
            if (tool && delta.toolUse.input) {
              tool.json += delta.toolUse.input;
              yield { type: 'tool-input-delta', id: tool.id, delta: delta.toolUse.input };
            }
          }
        } else if (event.contentBlockStop) {
          const index = event.contentBlockStop.contentBlockIndex ?? 0;
          const tool = tools.get(index);
          if (tool) {
            tools.delete(index);
            yield { type: 'tool-call', id: tool.id, name: tool.name, input: normaliseArgs(tool.json) };
          } else {
            yield* closeReasoning();
            yield* blocks.close([]);
          }
        } else if (event.messageStop) {
          finish = STOP[event.messageStop.stopReason ?? ''] ?? 'other';
        } else if (event.metadata?.usage) {
          const u = event.metadata.usage;
          raw.input = nonNegative(u.inputTokens);
          raw.output = nonNegative(u.outputTokens);
          raw.cacheRead = nonNegative(u.cacheReadInputTokens);
          raw.cacheWrite = nonNegative(u.cacheWriteInputTokens);
        } else {
          const failure =
            event.throttlingException ??
            event.serviceUnavailableException ??
            event.internalServerException ??
            event.modelStreamErrorException ??
            event.validationException;
          if (failure) throw failure;
        }
      }
    } catch (error) {
      throw fromBedrockError(this.providerId, error, signal);
    }
    if (signal?.aborted) throw fromThrown(this.providerId, signal.reason, signal);
    yield* closeReasoning();
    yield* blocks.close([]);
    // Bedrock's inputTokens exclude cache reads and writes; the contract's input counts every prompt token.
    const usage: Usage = {
      input: raw.input + raw.cacheRead + raw.cacheWrite,
      output: raw.output,
      reasoning: 0,
      cacheRead: raw.cacheRead,
      cacheWrite: raw.cacheWrite,
    };
    yield { type: 'finish', reason: finish, usage };
  }
}
