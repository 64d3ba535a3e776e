// A scripted LLM reply, independent of any wire format. Each wire renderer turns it into that provider's
// stream (or JSON body), so one script can drive every adapter under test.

export type ScriptItem =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; signature?: string; redacted?: string }
  | { type: 'tool'; id?: string; name: string; input: unknown; rawInput?: string };

export interface ScriptUsage {
  /** Prompt tokens including cached ones (each renderer splits them the way its vendor reports). */
  input: number;
  /** Completion tokens including reasoning. */
  output: number;
  reasoning?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export type ScriptFinish = 'auto' | 'stop' | 'length' | 'tool-calls' | 'content-filter';

export type ScriptFailure =
  | { type: 'http'; status: number; headers?: Record<string, string>; body?: unknown }
  | { type: 'context-overflow' }
  | { type: 'hang'; afterChunks?: number }
  | { type: 'reset'; afterChunks: number }
  | { type: 'malformed'; afterChunks: number }
  /** An error reported inside a 200 stream (OpenAI `error` chunk, Anthropic `error` event ...). */
  | { type: 'stream-error'; afterChunks: number; status?: number; errorType?: string; message?: string };

export interface ScriptedReply {
  items: ScriptItem[];
  usage?: ScriptUsage;
  finish: ScriptFinish;
  failure?: ScriptFailure;
  /** Overrides the server's per-chunk delay for this reply. */
  chunkDelayMs?: number;
  model?: string;
}

export class ReplyBuilder {
  private readonly reply: ScriptedReply = { items: [], finish: 'auto' };

  text(text: string): this {
    this.reply.items.push({ type: 'text', text });
    return this;
  }

  /** Reasoning / thinking; `signature` is what Anthropic sends in `signature_delta` (a default is generated). */
  reasoning(text: string, opts: { signature?: string } = {}): this {
    this.reply.items.push({ type: 'reasoning', text, signature: opts.signature });
    return this;
  }

  /** Anthropic `redacted_thinking` block (opaque data, no visible text). */
  redactedThinking(data: string): this {
    this.reply.items.push({ type: 'reasoning', text: '', redacted: data });
    return this;
  }

  /** A tool call; `rawInput` sends that exact argument text instead of `JSON.stringify(input)`. */
  tool(name: string, input: unknown, opts: { id?: string; rawInput?: string } = {}): this {
    this.reply.items.push({ type: 'tool', name, input, id: opts.id, rawInput: opts.rawInput });
    return this;
  }

  usage(usage: ScriptUsage): this {
    this.reply.usage = usage;
    return this;
  }

  model(model: string): this {
    this.reply.model = model;
    return this;
  }

  delay(chunkDelayMs: number): this {
    this.reply.chunkDelayMs = chunkDelayMs;
    return this;
  }

  finish(reason: ScriptFinish): this {
    this.reply.finish = reason;
    return this;
  }

  /** End of turn: `tool-calls` when the script called tools, else `stop`. */
  stop(): ScriptedReply {
    return this.build();
  }

  /** Ends with the vendor's "max tokens reached" reason. */
  length(): ScriptedReply {
    this.reply.finish = 'length';
    return this.build();
  }

  resetAfter(chunks: number): ScriptedReply {
    this.reply.failure = { type: 'reset', afterChunks: chunks };
    return this.build();
  }

  hangAfter(chunks: number): ScriptedReply {
    this.reply.failure = { type: 'hang', afterChunks: chunks };
    return this.build();
  }

  malformedAfter(chunks: number): ScriptedReply {
    this.reply.failure = { type: 'malformed', afterChunks: chunks };
    return this.build();
  }

  streamErrorAfter(
    chunks: number,
    opts: { status?: number; errorType?: string; message?: string } = {},
  ): ScriptedReply {
    this.reply.failure = { type: 'stream-error', afterChunks: chunks, ...opts };
    return this.build();
  }

  build(): ScriptedReply {
    return { ...this.reply, items: [...this.reply.items] };
  }
}

export function reply(): ReplyBuilder {
  return new ReplyBuilder();
}

/** Answer with an HTTP error; the body defaults to the vendor's error shape for that status. */
export function httpError(status: number, headers: Record<string, string> = {}, body?: unknown): ScriptedReply {
  return { items: [], finish: 'auto', failure: { type: 'http', status, headers, body } };
}

/** The vendor's "prompt too long" 400 with its real message wording. */
export function contextOverflow(): ScriptedReply {
  return { items: [], finish: 'auto', failure: { type: 'context-overflow' } };
}

/** Accept the request and never answer (not even headers). */
export function hang(): ScriptedReply {
  return { items: [], finish: 'auto', failure: { type: 'hang' } };
}

/** Drop the connection after `afterChunks` stream chunks (0: before any byte is sent). */
export function reset(afterChunks = 0): ScriptedReply {
  return reply().text('This reply will be cut off mid-stream.').resetAfter(afterChunks);
}

/** Send a chunk that is not valid JSON after `afterChunks` good ones. */
export function malformed(afterChunks = 1): ScriptedReply {
  return reply().text('Garbled soon.').malformedAfter(afterChunks);
}

export function resolveFinish(reply: ScriptedReply): Exclude<ScriptFinish, 'auto'> {
  if (reply.finish !== 'auto') return reply.finish;
  return reply.items.some((i) => i.type === 'tool') ? 'tool-calls' : 'stop';
}

/** Word-ish pieces (whitespace kept with the following word) so deltas look like real token streams. */
export function splitTokens(text: string): string[] {
  if (text === '') return [];
  const out = text.match(/\s*\S+|\s+$/g) ?? [text];
  return out;
}

/** Arguments JSON cut in 3 to exercise streamed tool-argument assembly. */
export function splitArgs(json: string): string[] {
  if (json.length < 6) return [json];
  const a = Math.floor(json.length / 3);
  const b = Math.floor((2 * json.length) / 3);
  return [json.slice(0, a), json.slice(a, b), json.slice(b)];
}

export function toolArgs(item: Extract<ScriptItem, { type: 'tool' }>): string {
  return item.rawInput ?? JSON.stringify(item.input ?? {});
}

/** Usage when the script gave none: rough 4-chars-per-token estimate of prompt and reply. */
export function defaultUsage(reply: ScriptedReply, requestBytes: number): ScriptUsage {
  let out = 0;
  let reasoning = 0;
  for (const item of reply.items) {
    if (item.type === 'text') out += Math.ceil(item.text.length / 4);
    if (item.type === 'reasoning') reasoning += Math.ceil(item.text.length / 4);
    if (item.type === 'tool') out += Math.ceil(toolArgs(item).length / 4) + 5;
  }
  return {
    input: Math.max(1, Math.ceil(requestBytes / 4)),
    output: out + reasoning,
    reasoning,
    cacheRead: 0,
    cacheWrite: 0,
  };
}
