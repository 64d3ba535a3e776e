import type { ScriptedReply } from '../reply';
import { openAiChatWire } from './openai-chat.wire';
import { sseFrame, statusText, type RenderContext, type WireFormat } from './wire.types';

// SAP AI Core's orchestration service (`POST .../v2/inference/deployments/{id}/v2/completion`): the model's
// OpenAI-style chunks wrapped as `{request_id, intermediate_results, final_result}`, errors as
// `{error: {request_id, code, message, location}}`, as @sap-ai-sdk/orchestration decodes them.

const requestId = (ctx: RenderContext) => `sap-req-${ctx.seq}`;

function errorOf(status: number, message: string, location = 'LLM Module') {
  return { error: { request_id: 'sap-req-error', code: status, message, location } };
}

export const sapOrchestrationWire: WireFormat = {
  name: 'sap-orchestration',

  stream(reply: ScriptedReply, ctx: RenderContext): string[] {
    // The orchestration service always reports usage with `stream_options.include_usage` set in the model params.
    const inner = openAiChatWire.stream(reply, { ...ctx, body: { stream_options: { include_usage: true } } });
    return [...inner].map((frame) => {
      const data = String(frame)
        .replace(/^data: /, '')
        .trim();
      if (data === '[DONE]') return frame as string;
      const chunk = JSON.parse(data) as Record<string, unknown>;
      return sseFrame({ request_id: requestId(ctx), intermediate_results: {}, final_result: chunk });
    });
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    return { request_id: requestId(ctx), intermediate_results: {}, final_result: openAiChatWire.json(reply, ctx) };
  },

  errorBody(status: number, message?: string): unknown {
    return errorOf(status, message ?? `Fake ${status} ${statusText(status)}`);
  },

  overflow() {
    return {
      status: 400,
      body: errorOf(
        400,
        "400 - LLM Module: This model's maximum context length is 128000 tokens. Please reduce the length of the messages.",
      ),
    };
  },

  streamError(f) {
    return sseFrame(errorOf(f.status ?? 500, f.message ?? 'Internal server error in LLM Module'));
  },
};
