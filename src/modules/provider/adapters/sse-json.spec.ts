import { SseJsonDecoder } from './sse-json';

const bytes = (s: string) => new TextEncoder().encode(s);
const apiError = (error: unknown) => Object.assign(new Error('api'), { error });

describe('SseJsonDecoder', () => {
  it('yields each data payload once its frame is complete, across chunk boundaries and CRLF lines', () => {
    const sse = new SseJsonDecoder(apiError);
    expect(sse.push(bytes('data: {"a":1}\n\nda'))).toEqual([{ a: 1 }]);
    expect(sse.push(bytes('ta: {"b":'))).toEqual([]);
    expect(sse.push(bytes('2}\r\n\r\n: a comment\n\ndata: {"c":3}\n'))).toEqual([{ b: 2 }]);
    expect(sse.push(bytes('\n'))).toEqual([{ c: 3 }]);
  });

  it('keeps a character whose bytes are split between chunks', () => {
    const sse = new SseJsonDecoder(apiError);
    const all = bytes('data: {"t":"é€"}\n\n');
    const cut = all.indexOf(0xe2) + 1; // inside the euro sign
    expect(sse.push(all.slice(0, cut))).toEqual([]);
    expect(sse.push(all.slice(cut))).toEqual([{ t: 'é€' }]);
  });

  it('joins multi-line data, ends at [DONE] and ignores what follows', () => {
    const sse = new SseJsonDecoder(apiError);
    expect(sse.push(bytes('data: {"a":\ndata: 1}\n\ndata: [DONE]\n\ndata: {"late":true}\n\n'))).toEqual([{ a: 1 }]);
    expect(sse.done).toBe(true);
  });

  it('counts a last frame without its blank line at the end of the body', () => {
    const sse = new SseJsonDecoder(apiError);
    expect(sse.push(bytes('data: {"a":1}'))).toEqual([]);
    expect(sse.end()).toEqual([{ a: 1 }]);
  });

  it('reports malformed JSON as the SDK does, and error payloads or events as API errors', () => {
    expect(() => new SseJsonDecoder(apiError).push(bytes('data: {"this is": not json\n\n'))).toThrow(
      new SyntaxError('Error reading response: malformed server-sent event JSON.'),
    );
    expect(() => new SseJsonDecoder(apiError).push(bytes('data: {"error":{"message":"boom"}}\n\n'))).toThrow(
      expect.objectContaining({ error: { message: 'boom' } }),
    );
    expect(() => new SseJsonDecoder(apiError).push(bytes('event: error\ndata: {"message":"x"}\n\n'))).toThrow(
      expect.objectContaining({ error: { message: 'x' } }),
    );
  });
});
