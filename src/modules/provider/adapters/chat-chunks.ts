import type { FinishReason, StreamEvent, Usage } from '../provider.types';
import { emptyUsage, nonNegative, normaliseArgs, StreamBlocks } from './stream-blocks';

// OpenAI chat-completion chunks (`choices[0].delta` with content, reasoning and tool-call pieces, a finish reason,
// usage) turned into stream events. Shared by every wire that speaks them: OpenAI-compatible endpoints and SAP AI
// Core's orchestration service, which wraps the same chunks in `final_result`.

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

export interface ChatChunkUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  prompt_cache_hit_tokens?: number;
}

export interface ChatChunkChoice {
  delta?: {
    content?: string | null;
    reasoning_content?: string | null | { content?: string }[];
    reasoning?: string | null;
    tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
  } | null;
  finish_reason?: string | null;
}

export function chatUsage(u: ChatChunkUsage | undefined | null): Usage {
  if (!u) return emptyUsage();
  return {
    input: nonNegative(u.prompt_tokens),
    output: nonNegative(u.completion_tokens),
    reasoning: nonNegative(u.completion_tokens_details?.reasoning_tokens),
    // DeepSeek reports cache hits under its own key.
    cacheRead: nonNegative(u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens),
    cacheWrite: nonNegative(u.prompt_tokens_details?.cache_creation_tokens),
  };
}

function reasoningText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // SAP's orchestration sends reasoning as blocks ({content, signature}).
  if (Array.isArray(value)) return value.map((b) => (typeof b?.content === 'string' ? b.content : '')).join('');
  return undefined;
}

/** Each method appends the events of its chunk to `out`: a read's chunks go on as one batch. */
export class ChatChunkAssembler {
  private readonly blocks = new StreamBlocks('txt');
  private readonly calls = new Map<number, { id: string; name: string; args: string }>();
  finish: FinishReason = 'unknown';
  usage: Usage = emptyUsage();

  chunk(out: StreamEvent[], choice: ChatChunkChoice | undefined, usage?: ChatChunkUsage | null): StreamEvent[] {
    if (usage) this.usage = chatUsage(usage);
    if (!choice) return out;
    const delta = choice.delta;
    const reasoning = reasoningText(delta?.reasoning_content ?? delta?.reasoning);
    if (reasoning) this.blocks.delta(out, 'reasoning', reasoning);
    if (typeof delta?.content === 'string') this.blocks.delta(out, 'text', delta.content);
    for (const call of delta?.tool_calls ?? []) {
      let entry = this.calls.get(call.index);
      if (!entry) {
        this.blocks.close(out);
        entry = { id: call.id ?? `call_${call.index}`, name: call.function?.name ?? '', args: '' };
        this.calls.set(call.index, entry);
        out.push({ type: 'tool-input-start', id: entry.id, name: entry.name });
      }
      const piece = call.function?.arguments ?? '';
      if (piece) {
        entry.args += piece;
        out.push({ type: 'tool-input-delta', id: entry.id, delta: piece });
      }
    }
    if (choice.finish_reason) this.finish = FINISH[choice.finish_reason] ?? 'other';
    return out;
  }

  /** Closes the open block, emits the assembled tool calls in index order, then `finish`. */
  end(out: StreamEvent[]): StreamEvent[] {
    this.blocks.close(out);
    for (const [, call] of [...this.calls.entries()].sort(([a], [b]) => a - b)) {
      out.push({ type: 'tool-call', id: call.id, name: call.name, input: normaliseArgs(call.args) });
    }
    out.push({ type: 'finish', reason: this.finish, usage: this.usage });
    return out;
  }
}
