import { resolveFinish, splitTokens, type ScriptedReply } from '../reply';
import { sseFrame, statusText, type RenderContext, type WireFormat } from './wire.types';

const FINISH: Record<string, string> = {
  stop: 'STOP',
  'tool-calls': 'STOP',
  length: 'MAX_TOKENS',
  'content-filter': 'SAFETY',
};

/** Gemini: promptTokenCount includes cached tokens; candidatesTokenCount EXCLUDES thoughts. */
function usageOf(ctx: RenderContext) {
  const u = ctx.usage;
  const thoughts = u.reasoning ?? 0;
  return {
    promptTokenCount: u.input,
    candidatesTokenCount: Math.max(0, u.output - thoughts),
    totalTokenCount: u.input + u.output,
    ...(u.cacheRead ? { cachedContentTokenCount: u.cacheRead } : {}),
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
  };
}

type Part = Record<string, unknown>;

function partsOf(reply: ScriptedReply): Part[][] {
  // One array per SSE chunk: text and thoughts token by token, a function call whole (Gemini never streams args).
  const chunks: Part[][] = [];
  for (const item of reply.items) {
    if (item.type === 'text') for (const text of splitTokens(item.text)) chunks.push([{ text }]);
    if (item.type === 'reasoning') {
      const tokens = splitTokens(item.text);
      tokens.forEach((text, n) =>
        chunks.push([
          {
            text,
            thought: true,
            ...(n === tokens.length - 1 && item.signature ? { thoughtSignature: item.signature } : {}),
          },
        ]),
      );
    }
    if (item.type === 'tool')
      chunks.push([{ functionCall: { ...(item.id ? { id: item.id } : {}), name: item.name, args: item.input ?? {} } }]);
  }
  return chunks;
}

function merge(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last && typeof p.text === 'string' && typeof last.text === 'string' && !!last.thought === !!p.thought)
      last.text += p.text;
    else out.push({ ...p });
  }
  return out;
}

export const geminiWire: WireFormat = {
  name: 'gemini',

  stream(reply: ScriptedReply, ctx: RenderContext): string[] {
    const chunks = partsOf(reply);
    const frames: string[] = [];
    const responseId = `fake-${ctx.seq}`;
    chunks.forEach((parts, n) => {
      const last = n === chunks.length - 1;
      frames.push(
        sseFrame({
          candidates: [
            {
              content: { role: 'model', parts },
              index: 0,
              ...(last ? { finishReason: FINISH[resolveFinish(reply)] } : {}),
            },
          ],
          ...(last ? { usageMetadata: usageOf(ctx) } : {}),
          modelVersion: ctx.model,
          responseId,
        }),
      );
    });
    if (chunks.length === 0) {
      frames.push(
        sseFrame({
          candidates: [
            { content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: FINISH[resolveFinish(reply)] },
          ],
          usageMetadata: usageOf(ctx),
          modelVersion: ctx.model,
          responseId,
        }),
      );
    }
    return frames;
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    return {
      candidates: [
        {
          content: { role: 'model', parts: merge(partsOf(reply).flat()) },
          index: 0,
          finishReason: FINISH[resolveFinish(reply)],
        },
      ],
      usageMetadata: usageOf(ctx),
      modelVersion: ctx.model,
      responseId: `fake-${ctx.seq}`,
    };
  },

  errorBody(status: number, message?: string): unknown {
    const statuses: Record<number, string> = {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      403: 'PERMISSION_DENIED',
      404: 'NOT_FOUND',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
      504: 'DEADLINE_EXCEEDED',
    };
    return {
      error: {
        code: status,
        message: message ?? `Fake ${status} ${statusText(status)}`,
        status: statuses[status] ?? 'UNKNOWN',
      },
    };
  },

  overflow() {
    return {
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
          status: 'INVALID_ARGUMENT',
        },
      },
    };
  },

  streamError(f) {
    return sseFrame({
      error: {
        code: f.status ?? 500,
        message: f.message ?? 'An internal error has occurred.',
        status: f.errorType ?? 'INTERNAL',
      },
    });
  },
};
