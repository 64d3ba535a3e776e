import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { resolveFinish, splitArgs, splitTokens, toolArgs, type ScriptedReply } from '../reply';
import type { RenderContext, WireFormat } from './wire.types';

// Amazon Bedrock Converse / ConverseStream: JSON in, and for the stream `application/vnd.amazon.eventstream`
// binary frames (prelude, CRC32s, typed headers) as the AWS SDK decodes them. Errors before the stream are
// HTTP statuses with `x-amzn-errortype`; errors inside it are frames with `:message-type: exception`.

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
);

const STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'content_filtered',
};

/** Bedrock's `inputTokens` exclude cache reads and writes (as Anthropic's do); the script's `input` includes them. */
function usageOf(ctx: RenderContext) {
  const u = ctx.usage;
  const cacheReadInputTokens = u.cacheRead ?? 0;
  const cacheWriteInputTokens = u.cacheWrite ?? 0;
  const inputTokens = Math.max(0, u.input - cacheReadInputTokens - cacheWriteInputTokens);
  return {
    inputTokens,
    outputTokens: u.output,
    totalTokens: inputTokens + u.output + cacheReadInputTokens + cacheWriteInputTokens,
    cacheReadInputTokens,
    cacheWriteInputTokens,
  };
}

const str = (value: string) => ({ type: 'string' as const, value });

export function eventFrame(eventType: string, payload: unknown): Buffer {
  const headers: MessageHeaders = {
    ':event-type': str(eventType),
    ':content-type': str('application/json'),
    ':message-type': str('event'),
  };
  // Real Bedrock pads every payload with a `p` field so frame sizes leak nothing; the SDK ignores it.
  const body = JSON.stringify({ ...(payload as object), p: 'abcdefghijklmnopqrstuvwxyz'.slice(0, 7) });
  return Buffer.from(codec.encode({ headers, body: new Uint8Array(Buffer.from(body)) }));
}

export function exceptionFrame(exceptionType: string, message: string): Buffer {
  const headers: MessageHeaders = {
    ':exception-type': str(exceptionType),
    ':content-type': str('application/json'),
    ':message-type': str('exception'),
  };
  return Buffer.from(codec.encode({ headers, body: new Uint8Array(Buffer.from(JSON.stringify({ message }))) }));
}

/** The `x-amzn-errortype` value (and JSON `__type`) Bedrock uses for an HTTP status. */
export function bedrockErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'ValidationException',
    403: 'AccessDeniedException',
    404: 'ResourceNotFoundException',
    408: 'ModelTimeoutException',
    424: 'ModelErrorException',
    429: 'ThrottlingException',
    500: 'InternalServerException',
    503: 'ServiceUnavailableException',
  };
  return types[status] ?? 'InternalServerException';
}

function content(reply: ScriptedReply, ctx: RenderContext): Record<string, unknown>[] {
  return reply.items.map((item, n) => {
    if (item.type === 'text') return { text: item.text };
    if (item.type === 'reasoning') {
      if (item.redacted) return { reasoningContent: { redactedContent: item.redacted } };
      return { reasoningContent: { reasoningText: { text: item.text, signature: item.signature ?? `sig-${n}` } } };
    }
    return { toolUse: { toolUseId: item.id ?? `tooluse_${ctx.seq}_${n}`, name: item.name, input: item.input ?? {} } };
  });
}

export const bedrockWire: WireFormat = {
  name: 'bedrock',
  contentType: 'application/vnd.amazon.eventstream',

  stream(reply: ScriptedReply, ctx: RenderContext): Buffer[] {
    const frames = [eventFrame('messageStart', { role: 'assistant' })];
    reply.items.forEach((item, contentBlockIndex) => {
      if (item.type === 'text') {
        for (const text of splitTokens(item.text))
          frames.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { text } }));
      } else if (item.type === 'reasoning' && item.redacted) {
        const redactedContent = Buffer.from(item.redacted).toString('base64');
        frames.push(
          eventFrame('contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { redactedContent } } }),
        );
      } else if (item.type === 'reasoning') {
        for (const text of splitTokens(item.text))
          frames.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { text } } }));
        const signature = item.signature ?? `sig-${contentBlockIndex}`;
        frames.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { signature } } }));
      } else {
        const toolUseId = item.id ?? `tooluse_${ctx.seq}_${contentBlockIndex}`;
        frames.push(
          eventFrame('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId, name: item.name } } }),
        );
        for (const input of splitArgs(toolArgs(item)))
          frames.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input } } }));
      }
      frames.push(eventFrame('contentBlockStop', { contentBlockIndex }));
    });
    frames.push(eventFrame('messageStop', { stopReason: STOP[resolveFinish(reply)] }));
    frames.push(eventFrame('metadata', { usage: usageOf(ctx), metrics: { latencyMs: 12 } }));
    return frames;
  },

  json(reply: ScriptedReply, ctx: RenderContext): unknown {
    return {
      output: { message: { role: 'assistant', content: content(reply, ctx) } },
      stopReason: STOP[resolveFinish(reply)],
      usage: usageOf(ctx),
      metrics: { latencyMs: 12 },
    };
  },

  errorBody(status: number, message?: string): unknown {
    return { message: message ?? `Fake ${status} ${bedrockErrorType(status)}` };
  },

  errorHeaders(status: number): Record<string, string> {
    return { 'x-amzn-errortype': `${bedrockErrorType(status)}:http://internal.amazon.com/coral/com.amazon.bedrock/` };
  },

  overflow() {
    return {
      status: 400,
      body: { message: 'Input is too long for requested model.' },
    };
  },

  streamError(f) {
    return exceptionFrame(f.errorType ?? 'throttlingException', f.message ?? 'Too many tokens, please wait.');
  },
};
