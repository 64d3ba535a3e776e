// Every adapter, through its SDK, must turn a caller abort mid-stream into ProviderError('aborted').
import { FakeLlm, reply } from '../../../../test/fakes/llm';
import { baseRequest } from '../../../../test/fakes/llm/collect-stream';
import type { LanguageModel, StreamEvent } from '../provider.types';
import { AnthropicLanguageModel } from './anthropic.adapter';
import { GoogleLanguageModel } from './google.adapter';
import { OpenAiChatLanguageModel } from './openai-chat.adapter';
import { OpenAiResponsesLanguageModel } from './openai-responses.adapter';

describe('caller abort mid-stream', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());

  const adapters: [string, () => LanguageModel][] = [
    [
      'openai-chat',
      () => new OpenAiChatLanguageModel('m', { providerId: 'p', apiKey: 'k', baseURL: llm.openaiBaseUrl }),
    ],
    [
      'openai-responses',
      () => new OpenAiResponsesLanguageModel('m', { providerId: 'p', apiKey: 'k', baseURL: llm.openaiBaseUrl }),
    ],
    ['anthropic', () => new AnthropicLanguageModel('m', { providerId: 'p', apiKey: 'k', baseURL: llm.url })],
    ['google', () => new GoogleLanguageModel('m', { providerId: 'p', apiKey: 'k', baseURL: llm.url })],
  ];

  it.each(adapters)('%s', async (_name, make) => {
    llm.enqueue(reply().text('one two three four five six seven eight').delay(30).stop());
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const run = (async () => {
      for await (const event of make().stream(baseRequest({ abortSignal: controller.signal }))) {
        events.push(event);
        if (event.type === 'text-delta') controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'ProviderError', kind: 'aborted', isRetryable: false });
    // The reply would have finished on its own: no finish event is the proof the abort ended it (no timing needed).
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });
});
