import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { detectLocalOllama } from './local-ollama';

function serve(handler: http.RequestListener): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ host: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('detectLocalOllama', () => {
  it('turns a local Ollama server into an OpenAI-compatible provider with its models', async () => {
    const ollama = await serve((req, res) => {
      expect(req.url).toBe('/api/tags');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ models: [{ name: 'qwen2.5-coder:7b', model: 'qwen2.5-coder:7b' }, { name: 'llama3.2' }] }),
      );
    });
    try {
      const layer = await detectLocalOllama({}, { OLLAMA_HOST: ollama.host });
      expect(layer?.provider?.ollama).toMatchObject({
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: `http://${ollama.host}/v1` },
      });
      expect(Object.keys(layer!.provider!.ollama.models!)).toEqual(['qwen2.5-coder:7b', 'llama3.2']);
    } finally {
      await ollama.close();
    }
  });

  it('changes nothing when nothing answers, when ollama is configured or disabled, or when it has no models', async () => {
    const closed = await serve(() => undefined);
    const host = closed.host;
    await closed.close();
    expect(await detectLocalOllama({}, { OLLAMA_HOST: host }, 200)).toBeUndefined();
    expect(await detectLocalOllama({ provider: { ollama: {} } } as never, { OLLAMA_HOST: host })).toBeUndefined();
    expect(await detectLocalOllama({ disabled_providers: ['ollama'] }, { OLLAMA_HOST: host })).toBeUndefined();
    const empty = await serve((_req, res) => res.end(JSON.stringify({ models: [] })));
    try {
      expect(await detectLocalOllama({}, { OLLAMA_HOST: empty.host })).toBeUndefined();
    } finally {
      await empty.close();
    }
  });
});
