import type { Config } from './config.schema';

/**
 * Zero-config local models: when no `ollama` provider is configured and an Ollama server answers on its port
 * (OLLAMA_HOST, default 127.0.0.1:11434) within a short timeout, its models become an OpenAI-compatible
 * provider of the platform layer. No answer: nothing changes.
 */
export async function detectLocalOllama(
  config: Config,
  env: Readonly<Record<string, string>>,
  timeoutMs = 400,
): Promise<Config | undefined> {
  if (config.provider?.ollama || config.disabled_providers?.includes('ollama')) return undefined;
  const host = env.OLLAMA_HOST || '127.0.0.1:11434';
  const base = /^https?:\/\//.test(host) ? host.replace(/\/+$/, '') : `http://${host}`;
  try {
    const res = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { models?: { name?: string; model?: string }[] };
    const names = (body.models ?? []).map((m) => m.model ?? m.name).filter((n): n is string => !!n);
    if (!names.length) return undefined;
    return {
      provider: {
        ollama: {
          npm: '@ai-sdk/openai-compatible',
          name: 'Ollama (local)',
          options: { baseURL: `${base}/v1` },
          models: Object.fromEntries(names.map((n) => [n, { name: n, tool_call: true }])),
        },
      },
    } as Config;
  } catch {
    return undefined;
  }
}
