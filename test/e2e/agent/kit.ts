// Shared set-up of the permission, question and agent e2e specs (the fake provider's platform config is
// test/utils/fake-provider-config.ts): the official SDK (v1 for sessions, v2 for the permission and question routes).
import { createOpencodeClient } from '@opencode-ai/sdk';
import { createOpencodeClient as createV2Client } from '../../../node_modules/@opencode-ai/sdk/dist/v2/client.js';
import type { FakeLlm } from '../../fakes/llm';

export function sdk(url: string, key: string) {
  return createOpencodeClient({ baseUrl: url, headers: { authorization: `Bearer ${key}` } });
}

export function sdk2(url: string, key: string) {
  return createV2Client({ baseUrl: url, headers: { authorization: `Bearer ${key}` } });
}

export const isTitleRequest = (r: { body: unknown }) =>
  JSON.stringify(r.body).includes('Write a title for the following conversation');
export const isChat = (r: { body: unknown }) => !isTitleRequest(r);

/** The agent-loop requests the fake provider received (title generation left out). */
export function chatRequests(llm: FakeLlm): { body: any }[] {
  return llm.requests.filter(isChat) as { body: any }[];
}

/** System text of an OpenAI chat request. */
export function systemText(body: any): string {
  return (body.messages as { role: string; content: unknown }[])
    .filter((m) => m.role === 'system')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}

export function toolNames(body: any): string[] {
  return ((body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name).sort();
}

/** The tool-result messages sent back to the model. */
export function toolResults(body: any): string[] {
  return (body.messages as { role: string; content: unknown }[])
    .filter((m) => m.role === 'tool')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
}

export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
