import { FakeLlm, hang, reply, type RecordedRequest } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { settles } from '../../../../test/utils/wait-until';
import { createLanguageModel, resolveProvider } from '../provider.factory';
import { ProviderError, type StreamEvent } from '../provider.types';

describe('stall timeouts (headerTimeout / chunkTimeout)', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());
  // Each test's calls carry a key of their own, and only they take its scripted replies. In two loaded CI runs the
  // third test's call got the default reply: 'a b c d' had been taken by the second test's request, whose client had
  // given up after its 150 ms header timeout but whose body the fake (on the same loaded event loop) read only after
  // the next test had queued its reply (clear() in beforeEach cannot drop a request still being read).
  let key = '';
  let tests = 0;
  beforeEach(() => {
    llm.clear();
    key = `k-${process.pid}-${Date.now()}-${++tests}`;
  });

  const model = (options: Record<string, unknown>) =>
    createLanguageModel(
      resolveProvider({ id: 'local', options: { baseURL: llm.openaiBaseUrl, apiKey: key, ...options } }),
      'm',
    );
  const ours = (r: RecordedRequest) => r.headers.authorization === `Bearer ${key}`;

  it('aborts a stream that stops mid-way and reports a retryable network error', async () => {
    llm.enqueueWhen(ours, reply().text('one two three four five six').hangAfter(3));
    // The fake hangs until the test ends: settling at all and the "stream stalled" message prove the chunk timer.
    // The chunks before the hang come back to back; the timeout leaves a loaded machine's first test (cold start)
    // a second between them (at 150 ms it cut the stream after 'one' under load).
    const { events, error } = await settles(
      'a stalled stream',
      collect(model({ chunkTimeout: 1000, headerTimeout: 5000 }).stream(baseRequest())),
    );
    expect(textOf(events)).toBe('one two');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      kind: 'network',
      isRetryable: true,
      message: expect.stringContaining('stream stalled'),
    });
  });

  it('gives up on a server that never answers after headerTimeout', async () => {
    llm.enqueueWhen(ours, hang());
    const { error } = await collect(model({ headerTimeout: 150, chunkTimeout: 5000 }).stream(baseRequest()));
    expect(error).toMatchObject({
      kind: 'network',
      isRetryable: true,
      message: expect.stringContaining('waiting for the response'),
    });
  });

  it('lets slow-but-steady streams through and keeps caller aborts as aborts', async () => {
    // Six chunks 300 ms apart: the whole stream (1.8 s) outlasts the timeout, each gap is well inside it.
    llm.enqueueWhen(ours, reply().text('a b c d e f').delay(300).stop());
    const ok = await collect(model({ chunkTimeout: 1000 }).stream(baseRequest()));
    expect(ok.error).toBeUndefined();
    expect(textOf(ok.events)).toBe('a b c d e f');

    llm.enqueueWhen(ours, reply().text('x y z w v u').delay(50).stop());
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    const run = (async () => {
      for await (const e of model({ chunkTimeout: 1000 }).stream(baseRequest({ abortSignal: controller.signal }))) {
        seen.push(e);
        if (e.type === 'text-delta') controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('can be disabled with false', async () => {
    const resolved = resolveProvider({
      id: 'local',
      options: { baseURL: llm.openaiBaseUrl, chunkTimeout: false, headerTimeout: false },
    });
    expect(resolved.chunkTimeout).toBeUndefined();
    expect(resolved.headerTimeout).toBeUndefined();
    expect(resolveProvider({ id: 'local' }).chunkTimeout).toBe(300_000);
  });
});
