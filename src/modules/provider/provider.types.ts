// The contract between the agent loop and LLM providers: one streaming call yielding normalised events.
// Adapters (provider/adapters/*) translate each vendor SDK to and from these shapes.

export interface Usage {
  /** Input tokens INCLUDING cached ones (as the AI SDK reports; cost subtracts cache). */
  input: number;
  /** Output tokens INCLUDING reasoning tokens. */
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other' | 'unknown';

export type ContentPart =
  | { type: 'text'; text: string; providerMetadata?: Record<string, unknown> }
  | { type: 'file'; mime: string; /** data: URL or http(s) URL */ url: string; filename?: string }
  | { type: 'reasoning'; text: string; providerMetadata?: Record<string, unknown> }
  | { type: 'tool-call'; id: string; name: string; input: unknown; providerMetadata?: Record<string, unknown> };

export type ToolResultPart = {
  type: 'tool-result';
  id: string;
  name: string;
  /** Text sent back to the model. */
  output: string;
  isError?: boolean;
  /** Images/PDFs a tool returned, for models that accept them in tool results. */
  attachments?: { mime: string; url: string; filename?: string }[];
};

export type ModelMessage =
  | { role: 'user'; content: Extract<ContentPart, { type: 'text' | 'file' }>[] }
  | { role: 'assistant'; content: ContentPart[] }
  | { role: 'tool'; content: ToolResultPart[] };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (object) of the parameters. */
  inputSchema: Record<string, unknown>;
}

export interface StreamRequest {
  /** Model id as the provider knows it (`api.id`). */
  modelId: string;
  system: string[];
  messages: ModelMessage[];
  tools: ToolSpec[];
  toolChoice?: 'auto' | 'required' | 'none';
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  /** Provider-specific options (reasoning effort, thinking budget, ...), passed through by the adapter. */
  providerOptions?: Record<string, unknown>;
  headers?: Record<string, string>;
  abortSignal?: AbortSignal;
}

export type StreamEvent =
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string; providerMetadata?: Record<string, unknown> }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string; providerMetadata?: Record<string, unknown> }
  | { type: 'tool-input-start'; id: string; name: string }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | {
      type: 'tool-call';
      id: string;
      name: string;
      /** raw JSON text of the arguments */ input: string;
      providerMetadata?: Record<string, unknown>;
    }
  | { type: 'finish'; reason: FinishReason; usage: Usage; providerMetadata?: Record<string, unknown> };

/**
 * Takes the events decoded from one read of the response, in order (never an empty batch). A returned promise holds
 * the next read until it settles; a throw or a rejection ends the stream with that error.
 */
export type EventSink = (events: StreamEvent[]) => void | Promise<void>;

/**
 * One call's events, read once: pushed to a sink a read at a time (`pipe`, settled when the stream ended, rejected
 * with its error), or pulled one by one with `for await`. The loop's steps pipe: a token then costs no promise of its
 * own between the response body and the step (each pulled layer cost one or two per event).
 */
export interface EventStream extends AsyncIterable<StreamEvent> {
  pipe(sink: EventSink): Promise<void>;
}

/** One configured model endpoint able to stream. */
export interface LanguageModel {
  readonly providerId: string;
  readonly modelId: string;
  stream(request: StreamRequest): EventStream;
}

/**
 * Normalised provider failure. Adapters convert SDK errors into this; the loop maps `kind` to OpenCode's
 * message errors (APIError, ProviderAuthError, ContextOverflowError, MessageOutputLengthError) and retry.
 */
export type ProviderErrorKind =
  'auth' | 'rate_limit' | 'overloaded' | 'context_overflow' | 'output_length' | 'api' | 'network' | 'aborted';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly providerId: string,
    readonly info: {
      statusCode?: number;
      isRetryable?: boolean;
      responseHeaders?: Record<string, string>;
      responseBody?: string;
      cause?: unknown;
      /**
       * The message is the server's own words (a missing key, a stall, a refused endpoint) and may be shown as is.
       * Otherwise it is the provider's text, which can carry URLs, account ids, key fragments and request ids:
       * users then get publicProviderMessage(), admins the full text in the log.
       */
      ownMessage?: boolean;
      /** The vendor's error code or type (`rate_limit_exceeded`, `ECONNREFUSED`), shown only when it is a plain word. */
      providerCode?: string;
    } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  get isRetryable(): boolean {
    if (this.info.isRetryable !== undefined) return this.info.isRetryable;
    return (
      this.kind === 'rate_limit' ||
      this.kind === 'overloaded' ||
      this.kind === 'network' ||
      (this.info.statusCode ?? 0) >= 500
    );
  }
}
