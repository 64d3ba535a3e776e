import { resolveFinish, splitArgs, splitTokens, toolArgs, type ScriptedReply } from '../reply';
import { sseFrame, statusText, type RenderContext, type WireFormat } from './wire.types';

const FINISH: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
};

function usageOf(ctx: RenderContext) {
  const u = ctx.usage;
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
  };
}

function toolId(ctx: RenderContext, index: number, explicit?: string): string {
  return explicit ?? `call_${ctx.seq}_${index}`;
}

export const openAiChatWire: WireFormat = {
  name: 'openai-chat',

  // Rendered lazily, a frame as it goes out: the bench's long replies run to tens of thousands of chunks each.
  *stream(reply: ScriptedReply, ctx: RenderContext): Generator<string> {
    const base = {
      id: `chatcmpl-${ctx.seq}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: ctx.model,
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      sseFrame({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    yield chunk({ role: 'assistant', content: '' });
    let toolIndex = 0;
    for (const item of reply.items) {
      if (item.type === 'text') for (const t of splitTokens(item.text)) yield chunk({ content: t });
      // OpenAI-compatible servers (DeepSeek, vLLM, OpenRouter) stream reasoning as `reasoning_content`.
      if (item.type === 'reasoning') for (const t of splitTokens(item.text)) yield chunk({ reasoning_content: t });
      if (item.type === 'tool') {
        const index = toolIndex++;
        yield chunk({
          tool_calls: [
            { index, id: toolId(ctx, index, item.id), type: 'function', function: { name: item.name, arguments: '' } },
          ],
        });
        for (const piece of splitArgs(toolArgs(item)))
          yield chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    }
    yield chunk({}, FINISH[resolveFinish(reply)]);
    const options = ctx.body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) yield sseFrame({ ...base, choices: [], usage: usageOf(ctx) });
    yield sseFrame('[DONE]');
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    const text = reply.items
      .filter((i) => i.type === 'text')
      .map((i) => i.text)
      .join('');
    const reasoning = reply.items
      .filter((i) => i.type === 'reasoning')
      .map((i) => i.text)
      .join('');
    const tools = reply.items.flatMap((i, n) =>
      i.type === 'tool'
        ? [{ id: toolId(ctx, n, i.id), type: 'function', function: { name: i.name, arguments: toolArgs(i) } }]
        : [],
    );
    return {
      id: `chatcmpl-${ctx.seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: ctx.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text || null,
            ...(reasoning ? { reasoning_content: reasoning } : {}),
            ...(tools.length ? { tool_calls: tools } : {}),
            refusal: null,
          },
          logprobs: null,
          finish_reason: FINISH[resolveFinish(reply)],
        },
      ],
      usage: usageOf(ctx),
    };
  },

  errorBody(status: number, message?: string): unknown {
    const type =
      status === 429
        ? 'rate_limit_exceeded'
        : status === 401
          ? 'invalid_request_error'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error';
    const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null;
    return { error: { message: message ?? `Fake ${status} ${statusText(status)}`, type, param: null, code } };
  },

  overflow() {
    return {
      status: 400,
      body: {
        error: {
          message:
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    };
  },

  streamError(f) {
    return sseFrame({
      error: {
        message: f.message ?? 'The server had an error while processing your request.',
        type: f.errorType ?? 'server_error',
        code: f.status ?? null,
      },
    });
  },
};
