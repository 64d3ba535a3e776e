/**
 * The JSON payloads of an OpenAI-style server-sent-events body, decoded as the bytes arrive. The chat adapter reads
 * its stream with this instead of the SDK's Stream: the SDK searches each chunk for the frame end byte by byte in
 * JavaScript and passes every chunk through four async generators, the largest share of the server's CPU per
 * streamed token. The SDK's rules are kept: the stream ends at `[DONE]`; a payload that is not JSON is the SDK's
 * SyntaxError; `event: error` or a payload carrying `error` is an API error (made by `apiError`).
 */
export class SseJsonDecoder {
  private readonly text = new TextDecoder();
  private buffer = '';
  private event: string | undefined;
  private data: string[] = [];
  /** `[DONE]` was read: nothing after it counts. */
  done = false;

  constructor(private readonly apiError: (error: unknown) => Error) {}

  /** The payloads completed by these bytes (or this text, decoded by the reader). */
  push(bytes: Uint8Array | string): unknown[] {
    this.buffer += typeof bytes === 'string' ? bytes : this.text.decode(bytes, { stream: true });
    return this.lines(false);
  }

  /** The body ended: a last frame without its blank line still counts. */
  end(): unknown[] {
    this.buffer += this.text.decode();
    return this.lines(true);
  }

  private lines(last: boolean): unknown[] {
    const out: unknown[] = [];
    let from = 0;
    for (;;) {
      if (this.done) break;
      const nl = this.buffer.indexOf('\n', from);
      if (nl < 0 && !last) break;
      const end = nl < 0 ? this.buffer.length : nl;
      let line = this.buffer.slice(from, end);
      from = nl < 0 ? end : nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line) this.field(line);
      else this.dispatch(out);
      if (nl < 0) {
        this.dispatch(out);
        break;
      }
    }
    this.buffer = this.buffer.slice(from);
    return out;
  }

  private field(line: string): void {
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') this.data.push(value);
    else if (name === 'event') this.event = value;
  }

  private dispatch(out: unknown[]): void {
    if (!this.data.length && this.event === undefined) return;
    const payload = this.data.join('\n');
    const event = this.event;
    this.data = [];
    this.event = undefined;
    if (payload === '[DONE]') {
      this.done = true;
      return;
    }
    let data: any;
    try {
      data = JSON.parse(payload);
    } catch {
      throw new SyntaxError('Error reading response: malformed server-sent event JSON.');
    }
    if (event === 'error') throw this.apiError(data?.error ?? data);
    if (data?.error) throw this.apiError(data.error);
    out.push(data);
  }
}
