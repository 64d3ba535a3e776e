import { resolveFinish, splitArgs, splitTokens, toolArgs, type ScriptedReply } from '../reply';
import { openAiChatWire } from './openai-chat.wire';
import { sseFrame, type RenderContext, type WireFormat } from './wire.types';

function usageOf(ctx: RenderContext) {
  const u = ctx.usage;
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cacheRead ?? 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.input + u.output,
  };
}

/** Output items as they appear in the final `response` object. */
function outputItems(reply: ScriptedReply, ctx: RenderContext): Record<string, unknown>[] {
  return reply.items.map((item, n) => {
    if (item.type === 'text') {
      return {
        id: `msg_${ctx.seq}_${n}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: item.text, annotations: [] }],
      };
    }
    if (item.type === 'reasoning') {
      return {
        id: `rs_${ctx.seq}_${n}`,
        type: 'reasoning',
        summary: item.text ? [{ type: 'summary_text', text: item.text }] : [],
        ...(item.signature ? { encrypted_content: item.signature } : {}),
      };
    }
    return {
      id: `fc_${ctx.seq}_${n}`,
      type: 'function_call',
      status: 'completed',
      call_id: item.id ?? `call_${ctx.seq}_${n}`,
      name: item.name,
      arguments: toolArgs(item),
    };
  });
}

function responseObject(reply: ScriptedReply, ctx: RenderContext, status: string, withOutput: boolean) {
  const finish = resolveFinish(reply);
  return {
    id: `resp_${ctx.seq}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: ctx.model,
    output: withOutput ? outputItems(reply, ctx) : [],
    incomplete_details:
      status === 'incomplete' ? { reason: finish === 'content-filter' ? 'content_filter' : 'max_output_tokens' } : null,
    error: null,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: withOutput ? usageOf(ctx) : null,
  };
}

export const openAiResponsesWire: WireFormat = {
  name: 'openai-responses',

  stream(reply: ScriptedReply, ctx: RenderContext): string[] {
    let sequence = 0;
    const ev = (type: string, data: Record<string, unknown>) =>
      sseFrame({ type, sequence_number: sequence++, ...data }, type);
    const frames = [ev('response.created', { response: responseObject(reply, ctx, 'in_progress', false) })];
    frames.push(ev('response.in_progress', { response: responseObject(reply, ctx, 'in_progress', false) }));
    const items = outputItems(reply, ctx);
    reply.items.forEach((item, output_index) => {
      const done = items[output_index];
      const item_id = done.id as string;
      if (item.type === 'text') {
        frames.push(
          ev('response.output_item.added', { output_index, item: { ...done, status: 'in_progress', content: [] } }),
        );
        const part = { type: 'output_text', text: '', annotations: [] };
        frames.push(ev('response.content_part.added', { item_id, output_index, content_index: 0, part }));
        for (const delta of splitTokens(item.text))
          frames.push(
            ev('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] }),
          );
        frames.push(
          ev('response.output_text.done', { item_id, output_index, content_index: 0, text: item.text, logprobs: [] }),
        );
        frames.push(
          ev('response.content_part.done', {
            item_id,
            output_index,
            content_index: 0,
            part: { ...part, text: item.text },
          }),
        );
      } else if (item.type === 'reasoning') {
        frames.push(
          ev('response.output_item.added', { output_index, item: { id: item_id, type: 'reasoning', summary: [] } }),
        );
        if (item.text) {
          const part = { type: 'summary_text', text: '' };
          frames.push(ev('response.reasoning_summary_part.added', { item_id, output_index, summary_index: 0, part }));
          for (const delta of splitTokens(item.text))
            frames.push(
              ev('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta }),
            );
          frames.push(
            ev('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text: item.text }),
          );
          frames.push(
            ev('response.reasoning_summary_part.done', {
              item_id,
              output_index,
              summary_index: 0,
              part: { ...part, text: item.text },
            }),
          );
        }
      } else {
        frames.push(
          ev('response.output_item.added', { output_index, item: { ...done, status: 'in_progress', arguments: '' } }),
        );
        for (const delta of splitArgs(toolArgs(item)))
          frames.push(ev('response.function_call_arguments.delta', { item_id, output_index, delta }));
        frames.push(ev('response.function_call_arguments.done', { item_id, output_index, arguments: toolArgs(item) }));
      }
      frames.push(ev('response.output_item.done', { output_index, item: done }));
    });
    const finish = resolveFinish(reply);
    const incomplete = finish === 'length' || finish === 'content-filter';
    frames.push(
      ev(incomplete ? 'response.incomplete' : 'response.completed', {
        response: responseObject(reply, ctx, incomplete ? 'incomplete' : 'completed', true),
      }),
    );
    return frames;
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    const finish = resolveFinish(reply);
    const incomplete = finish === 'length' || finish === 'content-filter';
    return responseObject(reply, ctx, incomplete ? 'incomplete' : 'completed', true);
  },

  errorBody: openAiChatWire.errorBody,
  overflow: openAiChatWire.overflow,

  streamError(f) {
    return sseFrame(
      {
        type: 'error',
        code: f.errorType ?? 'server_error',
        message: f.message ?? 'The server had an error while processing your request.',
        param: null,
        sequence_number: 0,
      },
      'error',
    );
  },
};
