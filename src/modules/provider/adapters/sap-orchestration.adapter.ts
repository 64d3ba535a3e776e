import { createParser } from 'eventsource-parser';
import { eventStream } from '../event-stream';
import {
  ProviderError,
  type EventSink,
  type EventStream,
  type LanguageModel,
  type ModelMessage,
  type StreamEvent,
  type StreamRequest,
} from '../provider.types';
import type { FetchLike } from './adapter.options';
import { ChatChunkAssembler, type ChatChunkChoice, type ChatChunkUsage } from './chat-chunks';
import { toOpenAiChatMessages } from './openai-chat.adapter';
import { errorCapturingFetch, fromHttpFailure, fromThrown } from './provider-error.mapper';
import { jsonObject } from './stream-blocks';

// SAP AI Core's orchestration service, on the wire the SAP AI SDK (@sap-ai-sdk/orchestration) speaks: an OAuth
// client-credentials token from the service key's UAA, the orchestration deployment of the resource group, then
// `POST {AI_API_URL}/v2/inference/deployments/{id}/v2/completion` streaming OpenAI-style chunks in `final_result`.

export interface SapServiceKey {
  clientid: string;
  clientsecret: string;
  /** The UAA (XSUAA) base URL; the token endpoint is `<url>/oauth/token`. */
  url: string;
  serviceurls: { AI_API_URL: string };
}

/** A service key from the AICORE_SERVICE_KEY env var, a stored credential (JSON text) or config (object). */
export function parseSapServiceKey(value: unknown): SapServiceKey | undefined {
  const k = jsonObject(value) as Partial<SapServiceKey> | undefined;
  const api = k?.serviceurls?.AI_API_URL;
  if (!k || typeof k.clientid !== 'string' || typeof k.clientsecret !== 'string' || typeof k.url !== 'string') return;
  if (typeof api !== 'string') return undefined;
  return { clientid: k.clientid, clientsecret: k.clientsecret, url: k.url, serviceurls: { AI_API_URL: api } };
}

export interface SapOrchestrationOptions {
  providerId: string;
  key: SapServiceKey;
  resourceGroup: string;
  /** The orchestration deployment; found through the deployments API (scenario `orchestration`, RUNNING) when absent. */
  deploymentId?: string;
  headers?: Record<string, string>;
  fetch?: FetchLike;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/** The last turn goes in the template; the history stays out of templating (`{{?x}}` in a student's text is text). */
function splitHistory(system: string[], messages: ModelMessage[]) {
  const all = toOpenAiChatMessages(system, messages);
  let cut = all.length - 1;
  // A tool turn is sent with the assistant message that called it.
  while (cut > 0 && all[cut].role === 'tool') cut--;
  return { history: all.slice(0, cut), template: all.slice(cut) };
}

export class SapOrchestrationLanguageModel implements LanguageModel {
  readonly providerId: string;
  private token?: { value: string; expiresAt: number };
  private deployment?: string;
  private readonly fetch: FetchLike;

  constructor(
    readonly modelId: string,
    private readonly options: SapOrchestrationOptions,
  ) {
    this.providerId = options.providerId;
    this.fetch = options.fetch ?? fetch;
    this.deployment = options.deploymentId;
  }

  buildBody(request: StreamRequest): Record<string, unknown> {
    const { history, template } = splitHistory(request.system, request.messages);
    const extra = (request.providerOptions?.modelParams as Record<string, unknown> | undefined) ?? {};
    const params: Record<string, unknown> = { stream_options: { include_usage: true }, ...extra };
    if (request.maxOutputTokens !== undefined) params.max_tokens = request.maxOutputTokens;
    if (request.temperature !== undefined) params.temperature = request.temperature;
    if (request.topP !== undefined) params.top_p = request.topP;
    const prompt: Record<string, unknown> = { template };
    if (request.tools.length && request.toolChoice !== 'none')
      prompt.tools = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.inputSchema },
      }));
    return {
      config: {
        stream: { enabled: true },
        modules: {
          prompt_templating: { prompt, model: { name: request.modelId || this.modelId, version: 'latest', params } },
        },
      },
      ...(history.length ? { messages_history: history } : {}),
    };
  }

  private async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const { clientid, clientsecret, url } = this.options.key;
    const response = await this.fetch(`${trim(url)}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientid}:${clientsecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientid }).toString(),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      const kind = response.status === 429 ? 'rate_limit' : response.status >= 500 ? 'overloaded' : 'auth';
      throw new ProviderError(
        kind,
        `SAP AI Core token request failed (${response.status}): ${text.slice(0, 300)}`,
        this.providerId,
        {
          statusCode: response.status,
          isRetryable: kind !== 'auth',
          responseBody: text,
        },
      );
    }
    const body = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (!body.access_token)
      throw new ProviderError('auth', 'SAP AI Core token response had no access_token', this.providerId);
    this.token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  private apiHeaders(token: string): Record<string, string> {
    return {
      ...this.options.headers,
      authorization: `Bearer ${token}`,
      'ai-resource-group': this.options.resourceGroup,
      'ai-client-type': 'opencode-api',
    };
  }

  private async deploymentId(token: string, signal?: AbortSignal): Promise<string> {
    if (this.deployment) return this.deployment;
    const url = `${trim(this.options.key.serviceurls.AI_API_URL)}/v2/lm/deployments?scenarioId=orchestration&status=RUNNING`;
    const response = await errorCapturingFetch(this.providerId, this.fetch)(url, {
      headers: this.apiHeaders(token),
      signal,
    });
    const body = (await response.json()) as { resources?: { id?: string }[] };
    const id = body.resources?.find((r) => typeof r.id === 'string')?.id;
    if (!id)
      throw new ProviderError(
        'api',
        `SAP AI Core has no running orchestration deployment in resource group "${this.options.resourceGroup}"`,
        this.providerId,
        { isRetryable: false, ownMessage: true },
      );
    return (this.deployment = id);
  }

  stream(request: StreamRequest): EventStream {
    return eventStream((sink) => this.run(request, sink));
  }

  /** One sink call per read of the body, with every event its frames carried. */
  private async run(request: StreamRequest, sink: EventSink): Promise<void> {
    const signal = request.abortSignal;
    const chunks = new ChatChunkAssembler();
    try {
      const token = await this.accessToken(signal);
      const deployment = await this.deploymentId(token, signal);
      const url = `${trim(this.options.key.serviceurls.AI_API_URL)}/v2/inference/deployments/${encodeURIComponent(deployment)}/v2/completion`;
      const response = await errorCapturingFetch(this.providerId, this.fetch)(url, {
        method: 'POST',
        headers: { ...this.apiHeaders(token), ...request.headers, 'content-type': 'application/json' },
        body: JSON.stringify(this.buildBody(request)),
        signal,
      });
      const events: { data: string }[] = [];
      const parser = createParser({ onEvent: (event) => events.push(event) });
      const decoder = new TextDecoder();
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        const out: StreamEvent[] = [];
        for (const event of events.splice(0)) {
          if (event.data.startsWith('[DONE]')) continue;
          const data = JSON.parse(event.data) as {
            error?: unknown;
            final_result?: { choices?: ChatChunkChoice[]; usage?: ChatChunkUsage };
          };
          if (data.error) {
            // What came before the error in the same read is still the model's.
            if (out.length) await sink(out.splice(0));
            const status = (data.error as { code?: unknown }).code;
            throw fromHttpFailure({
              providerId: this.providerId,
              status: typeof status === 'number' && status >= 400 ? status : 0,
              body: data,
              rawBody: event.data,
            });
          }
          chunks.chunk(out, data.final_result?.choices?.[0], data.final_result?.usage);
        }
        if (!out.length) continue;
        const pending = sink(out);
        if (pending) await pending;
      }
    } catch (error) {
      const failure = fromThrown(this.providerId, error, signal);
      // A token the service no longer accepts is fetched anew on the next try.
      if (failure.kind === 'auth') this.token = undefined;
      throw failure;
    }
    if (signal?.aborted) throw fromThrown(this.providerId, signal.reason, signal);
    const pending = sink(chunks.end([]));
    if (pending) await pending;
  }
}
