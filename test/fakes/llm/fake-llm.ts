import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultUsage, reply, type ScriptedReply, type ScriptUsage } from './reply';
import { anthropicWire } from './wire/anthropic.wire';
import { bedrockWire } from './wire/bedrock.wire';
import { sapOrchestrationWire } from './wire/sap-orchestration.wire';
import { sideEndpoint } from './side-endpoints';
import { geminiWire } from './wire/gemini.wire';
import { openAiChatWire } from './wire/openai-chat.wire';
import { openAiResponsesWire } from './wire/openai-responses.wire';
import { sseFrame, type WireFormat } from './wire/wire.types';

export type WireName = WireFormat['name'];

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined when the body was empty or not JSON). */
  body: any;
  rawBody: string;
  wire?: WireName;
  stream: boolean;
  /** The usage the fake reported, once it answered in full (a failed or cut-off answer reports none). */
  served?: ScriptUsage;
}

export type ReplySource = ScriptedReply | ((request: RecordedRequest) => ScriptedReply);

export interface FakeLlmOptions {
  port?: number;
  /** Address to listen on; 127.0.0.1 unless a container's other services must reach it (deploy/compose). */
  host?: string;
  /** Delay between stream chunks (a fixed token rate); 0 means write everything at once. */
  chunkDelayMs?: number;
  /** Same as chunkDelayMs expressed as a rate (one chunk ≈ one token). */
  tokensPerSecond?: number;
  /** Reply used when the queue is empty. */
  defaultReply?: ReplySource;
  /** Model id echoed when the request names none. */
  model?: string;
  /**
   * Answers a recorded request elsewhere when it returns true (the bench hands its long streams' sockets to other
   * processes); the fake then leaves the response alone.
   */
  handoff?: (request: RecordedRequest, res: http.ServerResponse) => boolean;
}

interface QueueEntry {
  source: ReplySource;
  match?: (request: RecordedRequest) => boolean;
}

function wireFor(method: string, path: string): WireName | undefined {
  if (method !== 'POST') return undefined;
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/responses')) return 'openai-responses';
  if (path.endsWith('/messages') || /:(stream)?rawPredict$/i.test(path)) return 'anthropic';
  if (/^\/model\/[^/]+\/converse(-stream)?$/.test(path)) return 'bedrock';
  if (/\/v2\/inference\/deployments\/[^/]+\/v2\/completion$/.test(path)) return 'sap-orchestration';
  if (/:(stream)?generateContent$/i.test(path)) return 'gemini';
  return undefined;
}

const WIRES: Record<WireName, WireFormat> = {
  'openai-chat': openAiChatWire,
  'openai-responses': openAiResponsesWire,
  anthropic: anthropicWire,
  gemini: geminiWire,
  bedrock: bedrockWire,
  'sap-orchestration': sapOrchestrationWire,
};

/** Resolves once the chunk is handed to the socket, so a deliberate reset never swallows earlier chunks. */
const write = (res: http.ServerResponse, chunk: string | Buffer) =>
  new Promise<void>((resolve) => res.write(chunk, () => resolve()));

/** Resolves once a full socket buffer has drained, or the response is gone. */
const drained = (res: http.ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => (res.off('drain', done), res.off('close', done), resolve());
    res.on('drain', done).on('close', done);
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A real HTTP server on 127.0.0.1 that speaks OpenAI chat/Responses, Anthropic Messages and Gemini
 * streaming. Replies are scripted per test and consumed in order; every request is recorded.
 */
export class FakeLlm {
  readonly requests: RecordedRequest[] = [];
  /** Requests to the OAuth token endpoint (`POST .../token`), with `rawBody` the form-encoded grant. */
  readonly tokenRequests: RecordedRequest[] = [];
  /** Control-plane requests (SAP AI Core's deployments list). */
  readonly controlRequests: RecordedRequest[] = [];
  /** Scripted answers for the next token requests (a failure status, an expired grant ...). */
  readonly tokenReplies: { status: number; body: unknown }[] = [];
  private readonly queue: QueueEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private defaultReply: ReplySource;
  private chunkDelayMs: number;
  private seq = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeLlmOptions,
  ) {
    this.defaultReply = options.defaultReply ?? reply().text('Hello from the fake LLM.').stop();
    this.chunkDelayMs = options.chunkDelayMs ?? (options.tokensPerSecond ? 1000 / options.tokensPerSecond : 0);
  }

  static async start(options: FakeLlmOptions = {}): Promise<FakeLlm> {
    let fake!: FakeLlm;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    fake = new FakeLlm(server, options);
    // Idle keep-alive sockets are closed by the client, as real providers' long idle timeouts make it: with Node's
    // 5 s default, a loaded machine's client could send its next request on a socket the server was closing
    // (undici's "other side closed", the SDK's "Connection error.").
    server.keepAliveTimeout = 65_000;
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>` — Anthropic and Gemini SDK base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:<port>/v1` — OpenAI SDK base URL. */
  get openaiBaseUrl(): string {
    return `${this.url}/v1`;
  }

  get pending(): number {
    return this.queue.length;
  }

  get lastRequest(): RecordedRequest | undefined {
    return this.requests[this.requests.length - 1];
  }

  /** Queue replies, consumed in order by the next LLM requests of any wire format. */
  enqueue(...sources: ReplySource[]): this {
    for (const source of sources) this.queue.push({ source });
    return this;
  }

  /** Queue a reply used only by the first request matching `match` (e.g. a title call). */
  enqueueWhen(match: (request: RecordedRequest) => boolean, source: ReplySource): this {
    this.queue.push({ source, match });
    return this;
  }

  setDefaultReply(source: ReplySource): this {
    this.defaultReply = source;
    return this;
  }

  setChunkDelay(ms: number): this {
    this.chunkDelayMs = ms;
    return this;
  }

  /** Forget recorded requests and queued replies. */
  clear(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.tokenRequests.length = 0;
    this.controlRequests.length = 0;
    this.tokenReplies.length = 0;
  }

  /** Resolves once at least `count` LLM requests were recorded. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: any;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = decodeURIComponent(parsed.pathname);
    const wire = wireFor(req.method ?? 'GET', path);
    const stream =
      wire === 'gemini'
        ? /:streamGenerateContent$/i.test(path)
        : wire === 'bedrock'
          ? path.endsWith('/converse-stream')
          : wire === 'sap-orchestration'
            ? body?.config?.stream?.enabled === true
            : body?.stream === true;
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(parsed.searchParams),
      headers: req.headers,
      body,
      rawBody,
      wire,
      stream,
    };

    if (!wire) {
      if (req.method === 'GET' && path.endsWith('/models')) return this.json(res, 200, this.modelList());
      const side = sideEndpoint(request, this);
      if (side) return this.json(res, side.status, side.body);
      return this.json(res, 404, {
        error: { message: `Fake LLM: no route for ${req.method} ${path}`, type: 'not_found' },
      });
    }

    this.requests.push(request);
    this.waiters = this.waiters.filter((w) => (this.requests.length >= w.count ? (w.resolve(), false) : true));
    if (this.options.handoff?.(request, res)) return;
    const script = this.take(request);
    await this.respond(WIRES[wire], request, script, res);
  }

  private take(request: RecordedRequest): ScriptedReply {
    const index = this.queue.findIndex((entry) => !entry.match || entry.match(request));
    const source = index >= 0 ? this.queue.splice(index, 1)[0].source : this.defaultReply;
    return typeof source === 'function' ? source(request) : source;
  }

  private async respond(
    wire: WireFormat,
    request: RecordedRequest,
    script: ScriptedReply,
    res: http.ServerResponse,
  ): Promise<void> {
    const failure = script.failure;
    if (failure?.type === 'http') {
      const headers = { ...wire.errorHeaders?.(failure.status), ...failure.headers };
      return this.json(res, failure.status, failure.body ?? wire.errorBody(failure.status), headers);
    }
    if (failure?.type === 'context-overflow') {
      const { status, body } = wire.overflow();
      return this.json(res, status, body, wire.errorHeaders?.(status));
    }
    if (failure?.type === 'hang' && failure.afterChunks === undefined) return; // never answer
    if (failure?.type === 'reset' && failure.afterChunks === 0) {
      res.socket?.destroy();
      return;
    }

    const model =
      request.body?.model ??
      /models\/([^/:]+):/.exec(request.path)?.[1] ??
      /^\/model\/([^/]+)\//.exec(request.path)?.[1] ??
      this.options.model ??
      'fake-model';
    const ctx = {
      model,
      usage: script.usage ?? defaultUsage(script, request.rawBody.length),
      body: request.body ?? {},
      seq: ++this.seq,
    };
    if (!request.stream) {
      // Whole-body answers have no chunks: a scripted mid-stream failure applies to the body itself.
      if (failure?.type === 'hang') return;
      if (failure?.type === 'reset') return void res.socket?.resetAndDestroy();
      if (failure?.type === 'malformed') return this.json(res, 200, '{"this is": not json');
      if (failure?.type === 'stream-error')
        return this.json(
          res,
          failure.status ?? 500,
          wire.errorBody(failure.status ?? 500, failure.message),
          wire.errorHeaders?.(failure.status ?? 500),
        );
      request.served = ctx.usage;
      return this.json(res, 200, wire.json(script, ctx));
    }

    const frames = wire.stream(script, ctx);
    res.writeHead(200, {
      'content-type': wire.contentType ?? 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': `req_fake_${ctx.seq}`,
    });
    res.flushHeaders();
    const delay = script.chunkDelayMs ?? this.chunkDelayMs;
    let n = 0;
    for (const frame of frames) {
      if (res.destroyed) return;
      if (failure && 'afterChunks' in failure && failure.afterChunks === n) {
        if (failure.type === 'hang') return;
        if (failure.type === 'reset') {
          // A TCP RST (ECONNRESET at the client), after the chunks already written reached the wire.
          const socket = res.socket;
          if (socket && !socket.destroyed) socket.resetAndDestroy();
          return;
        }
        if (failure.type === 'malformed')
          await write(
            res,
            wire.name === 'bedrock' ? Buffer.from('\x00\x00\x00\x10garbled') : 'data: {"this is": not json\n\n',
          );
        if (failure.type === 'stream-error') {
          res.end(wire.streamError(failure));
          return;
        }
      }
      if (delay > 0 && n > 0) await sleep(delay);
      // A scripted failure waits for each chunk to reach the socket (a reset must not swallow earlier chunks);
      // otherwise only a full socket buffer is waited for (the bench's thousands of streams write and move on).
      if (failure) await write(res, frame);
      else if (!res.write(frame)) await drained(res);
      n++;
    }
    if (!res.destroyed) request.served = ctx.usage;
    res.end();
  }

  private modelList() {
    return {
      object: 'list',
      data: [{ id: this.options.model ?? 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
    };
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }
}

export { sseFrame };
