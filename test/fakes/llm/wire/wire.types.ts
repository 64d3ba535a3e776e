import type { ScriptedReply, ScriptUsage } from '../reply';

export interface RenderContext {
  model: string;
  usage: ScriptUsage;
  /** Parsed request body, for flags such as `stream_options.include_usage`. */
  body: Record<string, unknown>;
  /** Unique suffix for ids in this response. */
  seq: number;
}

export interface WireFormat {
  readonly name: 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock' | 'sap-orchestration';
  /** Stream content type; SSE unless said otherwise (Bedrock: binary event-stream frames). */
  readonly contentType?: string;
  /**
   * Serialized frames: SSE `event:`/`data:` blocks ending in a blank line, or binary event-stream messages. An
   * iterable: a wire may render each frame only as it is sent.
   */
  stream(reply: ScriptedReply, ctx: RenderContext): Iterable<string | Buffer>;
  json(reply: ScriptedReply, ctx: RenderContext): unknown;
  errorBody(status: number, message?: string): unknown;
  /** Headers that go with an error status (Bedrock names its exception in `x-amzn-errortype`). */
  errorHeaders?(status: number): Record<string, string>;
  overflow(): { status: number; body: unknown };
  streamError(failure: { status?: number; errorType?: string; message?: string }): string | Buffer;
}

export function sseFrame(data: unknown, event?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return (event ? `event: ${event}\n` : '') + `data: ${text}\n\n`;
}

export function statusText(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    408: 'Request Timeout',
    413: 'Payload Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
    529: 'Overloaded',
  };
  return names[status] ?? 'Error';
}
