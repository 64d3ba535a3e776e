import { fork } from 'node:child_process';
import type http from 'node:http';
import path from 'node:path';
import { FakeLlm, reply, type RecordedRequest, type ScriptedReply } from '../test/fakes/llm';
import type { FarmStream } from './lib/fake-farm';

// The scripted OpenAI-compatible LLM both servers talk to (test/fakes/llm, run in this process). The prompt
// text picks the behaviour, so one provider config serves every scenario and both servers see the same bytes.
export const MARK = {
  tool: '[bench:tool]',
  long: '[bench:long]',
} as const;

/** `[bench:stream:<tokens>:<delayMs>]`: a reply of that many tokens, one chunk every delayMs (capacity, fairness). */
export const streamMark = (tokens: number, delayMs: number) => `[bench:stream:${tokens}:${delayMs}]`;
const STREAM_MARK = /\[bench:stream:(\d+):(\d+(?:\.\d+)?)\]/;

export const PLAIN_REPLY = 'Hello from the fake LLM.';
export const BENCH_TITLE = 'Bench title';
export const TOOL_ANSWER = 'The file says hello.';
export const TOOL_FILE = 'hello.txt';
export const TOOL_FILE_TEXT = 'hello from the bench project\n';

export interface BenchLlmOptions {
  /** Tokens in the `[bench:long]` reply. */
  longTokens: number;
  /** Delay between stream chunks of the `[bench:long]` reply (its fixed token rate). */
  longDelayMs: number;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

const longTexts = new Map<number, string>();

/** Memoised: a capacity level's hundreds of replies are the same text. */
export function longText(tokens: number): string {
  let text = longTexts.get(tokens);
  if (text === undefined)
    longTexts.set(tokens, (text = Array.from({ length: tokens }, (_, i) => WORDS[i % WORDS.length]).join(' ')));
  return text;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** Decides the reply from the request: title call, tool result, or the marker in the latest user message. */
export function benchReply(options: BenchLlmOptions): (request: RecordedRequest) => ScriptedReply {
  const long = longText(options.longTokens);
  let toolCalls = 0;
  return (request) => {
    const messages: { role?: string; content?: unknown }[] = Array.isArray(request.body?.messages) ? request.body.messages : [];
    const system = messages.filter((m) => m.role === 'system').map((m) => textOf(m.content)).join('\n');
    // OpenCode's title prompt calls the model a title generator; ours asks it to name the conversation.
    if (/title generator|name conversations/i.test(system)) return reply().text(BENCH_TITLE).stop();
    const last = messages[messages.length - 1];
    if (last?.role === 'tool') return reply().text(TOOL_ANSWER).stop();
    const userText = last?.role === 'user' ? textOf(last.content) : '';
    // A different (harmless) `limit` each time: repeating the exact same call in later turns trips
    // opencode-api's doom-loop ask, which OpenCode only applies within one turn.
    if (userText.includes(MARK.tool)) return reply().tool('read', { filePath: TOOL_FILE, limit: 1000 + (toolCalls++ % 1000) }).stop();
    const stream = STREAM_MARK.exec(userText);
    if (stream) return reply().text(longText(Number(stream[1]))).delay(Number(stream[2])).stop();
    if (userText.includes(MARK.long)) return reply().text(long).delay(options.longDelayMs).stop();
    return reply().text(PLAIN_REPLY).stop();
  };
}

/** Replies of at least this many tokens go to the farm (the capacity scenario's; the fairness scenario's stay). */
const FARM_MIN_TOKENS = 1000;

/**
 * `farm`: helper processes (bench/lib/fake-farm.ts) that serve the long `[bench:stream:…]` replies on the sockets
 * handed to them, so a thousand paced streams do not all write from this one event loop.
 */
export async function startBenchLlm(options: BenchLlmOptions & { farm?: number }): Promise<FakeLlm> {
  const farm = Array.from({ length: options.farm ?? 0 }, () =>
    fork(path.join(__dirname, 'lib', 'fake-farm.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  let next = 0;
  const handoff = (request: RecordedRequest, res: http.ServerResponse): boolean => {
    if (!farm.length || request.wire !== 'openai-chat' || !request.stream || !res.socket) return false;
    const messages: { role?: string; content?: unknown }[] = request.body?.messages ?? [];
    const last = messages[messages.length - 1];
    const mark = last?.role === 'user' ? STREAM_MARK.exec(textOf(last.content)) : null;
    if (!mark || Number(mark[1]) < FARM_MIN_TOKENS) return false;
    const stream: FarmStream = {
      tokens: Number(mark[1]),
      delayMs: Number(mark[2]),
      model: request.body?.model ?? 'fake-model',
      seq: next + 1_000_000,
      rawBytes: request.rawBody.length,
      includeUsage: request.body?.stream_options?.include_usage === true,
    };
    farm[next++ % farm.length].send(stream, res.socket);
    return true;
  };
  const llm = await FakeLlm.start({ chunkDelayMs: 0, defaultReply: benchReply(options), handoff });
  const stop = llm.stop.bind(llm);
  llm.stop = async () => {
    for (const child of farm) child.kill();
    await stop();
  };
  return llm;
}

/** The provider config in OpenCode's opencode.json shape, given to both servers. */
export function providerConfig(llm: FakeLlm, snapshot = true): Record<string, unknown> {
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake LLM',
        options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
        models: { 'fake-model': { name: 'Fake Model', tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    enabled_providers: ['fake'],
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    autoupdate: false,
    share: 'disabled',
    snapshot,
    lsp: false,
    formatter: false,
  };
}
