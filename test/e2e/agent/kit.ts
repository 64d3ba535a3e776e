// Shared set-up of the permission, question and agent e2e specs (the fake provider's platform config is
// test/utils/fake-provider-config.ts): the official SDK (v1 for sessions, v2 for the permission and question routes).
import { createOpencodeClient } from '@opencode-ai/sdk';
import { createOpencodeClient as createV2Client } from '../../../node_modules/@opencode-ai/sdk/dist/v2/client.js';
import type { FakeLlm } from '../../fakes/llm';
import { waitUntil } from '../../utils/wait-until';
import { isTitleRequest, toolNames } from '../../fakes/llm';

export function sdk(url: string, key: string) {
  return createOpencodeClient({ baseUrl: url, headers: { authorization: `Bearer ${key}` } });
}

export function sdk2(url: string, key: string) {
  return createV2Client({ baseUrl: url, headers: { authorization: `Bearer ${key}` } });
}

export { isTitleRequest, toolNames };
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

/** The tool-result messages sent back to the model. */
export function toolResults(body: any): string[] {
  return (body.messages as { role: string; content: unknown }[])
    .filter((m) => m.role === 'tool')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
}

/** The shared bounded wait (test/utils/wait-until.ts) with this harness's argument order; 0 and '' count as found. */
export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const found = await waitUntil(what, fn, (value) => value !== undefined && value !== null && value !== false, {
    timeoutMs,
    everyMs: 50,
  });
  return found as T;
}

/** Resolves once the session's run is over (it left /session/status): nothing of that run can follow. */
export async function untilIdle(url: string, key: string, sessionId: string): Promise<void> {
  await until(
    async () => (sessionId in ((await sdk(url, key).session.status()).data ?? {}) ? undefined : true),
    20_000,
    `session ${sessionId} to be idle`,
  );
}
