import type { StreamEvent, StreamRequest } from '../../../src/modules/provider/provider.types';

/** Drains a stream; on failure returns the events seen so far and the error. */
export async function collect(stream: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

export function textOf(events: StreamEvent[], type: 'text-delta' | 'reasoning-delta' = 'text-delta'): string {
  return events.map((e) => (e.type === type ? e.delta : '')).join('');
}

export function baseRequest(overrides: Partial<StreamRequest> = {}): StreamRequest {
  return {
    modelId: 'test-model',
    system: ['You are a test.'],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    tools: [],
    ...overrides,
  };
}

/** Jest's sandbox hides Node's undici global dispatcher that @google/genai asks for; a plain fetch avoids it. */
export const plainFetch = (url: string | URL | Request, init?: RequestInit) => {
  const { dispatcher: _dropped, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
  return fetch(url, rest);
};
