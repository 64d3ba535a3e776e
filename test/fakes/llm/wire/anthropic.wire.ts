import { createHash } from 'node:crypto';
import { resolveFinish, splitArgs, splitTokens, toolArgs, type ScriptedReply } from '../reply';
import { sseFrame, statusText, type RenderContext, type WireFormat } from './wire.types';

const STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
};

/** Anthropic counts `input_tokens` WITHOUT cache reads/writes; our script's `input` includes them. */
function usageOf(ctx: RenderContext) {
  const u = ctx.usage;
  const cacheRead = u.cacheRead ?? 0;
  const cacheWrite = u.cacheWrite ?? 0;
  return {
    input_tokens: Math.max(0, u.input - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: u.output,
  };
}

function signatureFor(text: string): string {
  return createHash('sha256')
    .update('fake-thinking:' + text)
    .digest('base64');
}

function blocks(reply: ScriptedReply, ctx: RenderContext): Record<string, unknown>[] {
  return reply.items.map((item, n) => {
    if (item.type === 'text') return { type: 'text', text: item.text };
    if (item.type === 'reasoning') {
      if (item.redacted) return { type: 'redacted_thinking', data: item.redacted };
      return { type: 'thinking', thinking: item.text, signature: item.signature ?? signatureFor(item.text) };
    }
    return { type: 'tool_use', id: item.id ?? `toolu_${ctx.seq}_${n}`, name: item.name, input: item.input ?? {} };
  });
}

function message(ctx: RenderContext, content: unknown[], stop: string | null, usage: Record<string, number>) {
  return {
    id: `msg_fake_${ctx.seq}`,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage,
  };
}

export const anthropicWire: WireFormat = {
  name: 'anthropic',

  stream(reply: ScriptedReply, ctx: RenderContext): string[] {
    const ev = (type: string, data: Record<string, unknown>) => sseFrame({ type, ...data }, type);
    const usage = usageOf(ctx);
    const frames = [ev('message_start', { message: message(ctx, [], null, { ...usage, output_tokens: 1 }) })];
    const done = blocks(reply, ctx);
    reply.items.forEach((item, index) => {
      const block = done[index];
      if (item.type === 'text') {
        frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        for (const text of splitTokens(item.text))
          frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      } else if (item.type === 'reasoning' && item.redacted) {
        frames.push(ev('content_block_start', { index, content_block: block }));
      } else if (item.type === 'reasoning') {
        frames.push(
          ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        );
        for (const thinking of splitTokens(item.text))
          frames.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } }));
        frames.push(
          ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } }),
        );
      } else {
        frames.push(ev('content_block_start', { index, content_block: { ...block, input: {} } }));
        for (const partial_json of splitArgs(toolArgs(item)))
          frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
      }
      frames.push(ev('content_block_stop', { index }));
    });
    frames.push(
      ev('message_delta', { delta: { stop_reason: STOP[resolveFinish(reply)], stop_sequence: null }, usage }),
    );
    frames.push(ev('message_stop', {}));
    return frames;
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    return message(ctx, blocks(reply, ctx), STOP[resolveFinish(reply)], usageOf(ctx));
  },

  errorBody(status: number, message?: string): unknown {
    const types: Record<number, string> = {
      400: 'invalid_request_error',
      401: 'authentication_error',
      403: 'permission_error',
      404: 'not_found_error',
      413: 'request_too_large',
      429: 'rate_limit_error',
      500: 'api_error',
      529: 'overloaded_error',
    };
    return {
      type: 'error',
      error: {
        type: types[status] ?? 'api_error',
        message: message ?? (status === 529 ? 'Overloaded' : `Fake ${status} ${statusText(status)}`),
      },
    };
  },

  overflow() {
    return {
      status: 400,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'prompt is too long: 212345 tokens > 200000 maximum' },
      },
    };
  },

  streamError(f) {
    return sseFrame(
      { type: 'error', error: { type: f.errorType ?? 'overloaded_error', message: f.message ?? 'Overloaded' } },
      'error',
    );
  },
};
