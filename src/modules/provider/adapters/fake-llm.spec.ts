// The fake LLM server, driven by the official SDKs: proves each wire format is what the SDKs expect.
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { FakeLlm, hang, httpError, reply } from '../../../../test/fakes/llm';

describe('FakeLlm with the official SDKs', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams OpenAI chat completions with tool-call deltas and a usage chunk', async () => {
    llm.enqueue(
      reply()
        .text('Hello there')
        .tool('read', { filePath: 'a.ts' })
        .tool('glob', { pattern: '*.ts' })
        .usage({ input: 10, output: 5, cacheRead: 4, reasoning: 1 })
        .stop(),
    );
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseUrl });
    const stream = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const args: Record<number, { name?: string; args: string }> = {};
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (chunk.usage) usage = chunk.usage;
      if (!choice) continue;
      text += choice.delta.content ?? '';
      for (const call of choice.delta.tool_calls ?? []) {
        args[call.index] ??= { args: '' };
        if (call.function?.name) args[call.index].name = call.function.name;
        args[call.index].args += call.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(text).toBe('Hello there');
    expect(args[0]).toEqual({ name: 'read', args: '{"filePath":"a.ts"}' });
    expect(args[1]).toEqual({ name: 'glob', args: '{"pattern":"*.ts"}' });
    expect(finish).toBe('tool_calls');
    expect(usage?.prompt_tokens).toBe(10);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(4);
    expect(llm.requests).toHaveLength(1);
    expect(llm.lastRequest?.path).toBe('/v1/chat/completions');
    expect(llm.lastRequest?.headers.authorization).toBe('Bearer sk-test');
    expect(llm.lastRequest?.body.stream).toBe(true);
  });

  it('answers non-streaming chat completions', async () => {
    llm.enqueue(reply().text('Plain').stop());
    const client = new OpenAI({ apiKey: 'k', baseURL: llm.openaiBaseUrl });
    const out = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(out.choices[0].message.content).toBe('Plain');
    expect(out.choices[0].finish_reason).toBe('stop');
  });

  it('streams OpenAI Responses events that the SDK assembles into a final response', async () => {
    llm.enqueue(
      reply()
        .reasoning('think first')
        .text('Answer')
        .tool('bash', { command: 'ls' })
        .usage({ input: 50, output: 20, reasoning: 8, cacheRead: 30 })
        .stop(),
    );
    const client = new OpenAI({ apiKey: 'k', baseURL: llm.openaiBaseUrl });
    const stream = client.responses.stream({ model: 'o-x', input: 'hi' });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    const final = await stream.finalResponse();
    expect([...types]).toEqual(
      expect.arrayContaining([
        'response.output_text.delta',
        'response.function_call_arguments.delta',
        'response.reasoning_summary_text.delta',
        'response.completed',
      ]),
    );
    expect(final.output_text).toBe('Answer');
    expect(final.usage?.input_tokens_details.cached_tokens).toBe(30);
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(8);
    const call = final.output.find((o) => o.type === 'function_call');
    expect(call && call.type === 'function_call' ? call.arguments : '').toBe('{"command":"ls"}');
    expect(llm.lastRequest?.path).toBe('/v1/responses');
  });

  it('streams Anthropic messages with thinking, signature and tool_use', async () => {
    llm.enqueue(
      reply()
        .reasoning('consider', { signature: 'sig-1' })
        .text('Hi')
        .tool('read', { filePath: 'b' })
        .usage({ input: 100, output: 30, cacheRead: 60, cacheWrite: 10 })
        .stop(),
    );
    const client = new Anthropic({ apiKey: 'ak', baseURL: llm.url });
    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toEqual(
      expect.objectContaining({ type: 'thinking', thinking: 'consider', signature: 'sig-1' }),
    );
    expect(final.content[1]).toEqual(expect.objectContaining({ type: 'text', text: 'Hi' }));
    expect(final.content[2]).toEqual(
      expect.objectContaining({ type: 'tool_use', name: 'read', input: { filePath: 'b' } }),
    );
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage.input_tokens).toBe(30);
    expect(final.usage.cache_read_input_tokens).toBe(60);
    expect(final.usage.cache_creation_input_tokens).toBe(10);
    expect(llm.lastRequest?.path).toBe('/v1/messages');
  });

  it('streams Gemini with thoughts, function calls and usage metadata', async () => {
    llm.enqueue(
      reply()
        .reasoning('ponder')
        .text('Sure')
        .tool('grep', { pattern: 'x' })
        .usage({ input: 40, output: 12, reasoning: 5, cacheRead: 20 })
        .stop(),
    );
    // Jest's sandbox hides Node's undici dispatcher the SDK asks for; a plain fetch avoids it.
    const plainFetch = (url: string | URL | Request, init?: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _ignored, ...rest } = init ?? {};
      return fetch(url, rest);
    };
    const client = new GoogleGenAI({ apiKey: 'gk', httpOptions: { baseUrl: llm.url, fetch: plainFetch } });
    const stream = await client.models.generateContentStream({ model: 'gemini-x', contents: 'hi' });
    let text = '';
    let thought = '';
    const calls: unknown[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (part.thought) thought += part.text ?? '';
        else if (part.text) text += part.text;
        if (part.functionCall) calls.push(part.functionCall);
      }
      usage = chunk.usageMetadata ?? usage;
    }
    expect(text).toBe('Sure');
    expect(thought).toBe('ponder');
    expect(calls).toEqual([{ name: 'grep', args: { pattern: 'x' } }]);
    expect(usage).toEqual(
      expect.objectContaining({
        promptTokenCount: 40,
        candidatesTokenCount: 7,
        thoughtsTokenCount: 5,
        cachedContentTokenCount: 20,
      }),
    );
    expect(llm.lastRequest?.path).toBe('/v1/models/gemini-x:streamGenerateContent');
    expect(llm.lastRequest?.query.alt).toBe('sse');
    expect(llm.lastRequest?.headers['x-goog-api-key']).toBe('gk');
  });

  it('answers non-streaming Responses, Anthropic and Gemini calls', async () => {
    llm.enqueue(
      reply().text('R').tool('t', { a: 1 }).stop(),
      reply().reasoning('why', { signature: 's' }).text('A').stop(),
      reply().text('G').tool('g', { b: 2 }).stop(),
    );
    const responses = await new OpenAI({ apiKey: 'k', baseURL: llm.openaiBaseUrl }).responses.create({
      model: 'm',
      input: 'x',
    });
    expect(responses.output_text).toBe('R');
    const message = await new Anthropic({ apiKey: 'k', baseURL: llm.url }).messages.create({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const plainFetch = (url: string | URL | Request, init?: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _ignored, ...rest } = init ?? {};
      return fetch(url, rest);
    };
    const gemini = await new GoogleGenAI({
      apiKey: 'k',
      httpOptions: { baseUrl: llm.url, fetch: plainFetch },
    }).models.generateContent({ model: 'gm', contents: 'x' });
    expect(gemini.text).toBe('G');
    expect(gemini.functionCalls).toEqual([{ name: 'g', args: { b: 2 } }]);
    expect(llm.requests.map((r) => [r.wire, r.stream])).toEqual([
      ['openai-responses', false],
      ['anthropic', false],
      ['gemini', false],
    ]);
  });

  it('fails on purpose: HTTP errors with headers, hangs, resets, and falls back to the default reply', async () => {
    llm.enqueue(httpError(429, { 'retry-after': '3' }));
    const client = new OpenAI({ apiKey: 'k', baseURL: llm.openaiBaseUrl, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'm', messages: [], stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('3');

    llm.enqueue(hang());
    const hung = await new OpenAI({
      apiKey: 'k',
      baseURL: llm.openaiBaseUrl,
      maxRetries: 0,
      timeout: 200,
    }).chat.completions
      .create({ model: 'm', messages: [] })
      .catch((e: unknown) => e);
    // Jest's realm makes the SDK see a plain connection error rather than its timeout subclass.
    expect(hung).toBeInstanceOf(OpenAI.APIConnectionError);

    llm.enqueue(reply().text('one two three four five').resetAfter(3));
    const partial: string[] = [];
    const reset = await (async () => {
      const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
      for await (const chunk of stream) partial.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(String(reset)).toMatch(/terminated|socket|reset/i);
    expect(partial.join('')).toBe('one two');

    llm.enqueue(reply().text('x').resetAfter(2), reply().text('y').malformedAfter(1));
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toThrow();

    const fallback = await client.chat.completions.create({ model: 'm', messages: [] });
    expect(fallback.choices[0].message.content).toBe('Hello from the fake LLM.');
  });
});
