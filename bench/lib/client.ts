import type { OpencodeClient } from '@opencode-ai/sdk';
import type { Target } from '../servers/target';

export type Client = OpencodeClient;

/** A loosely typed bus event: our server may send types the pinned SDK's union does not list. */
export interface BusEvent {
  type: string;
  properties: any;
}

// The SDK is ESM-only and the project is CommonJS, so it is loaded with a dynamic import.
let sdk: Promise<typeof import('@opencode-ai/sdk')> | undefined;
const loadSdk = () => (sdk ??= import('@opencode-ai/sdk'));

/**
 * The official v1 client, pointed at one server. Each request is bounded by `timeoutMs` and by `signal`
 * (the scenario's); SSE subscriptions pass their own signal and are not bounded by the timeout.
 */
export async function makeClient(target: Target, signal: AbortSignal, timeoutMs = 30_000): Promise<Client> {
  const { createOpencodeClient } = await loadSdk();
  const bounded = (req: Request) => fetch(req, { signal: AbortSignal.any([req.signal, signal, AbortSignal.timeout(timeoutMs)]) });
  return createOpencodeClient({ baseUrl: target.baseUrl, headers: target.headers, fetch: bounded });
}

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** Unwraps an SDK result, turning a non-2xx answer into an Error that names the route and status. */
export async function ok<T>(call: Promise<SdkResult<T>>, what: string): Promise<T> {
  const res = await call;
  if (res.error !== undefined || (res.response && !res.response.ok)) {
    const status = res.response?.status ?? '?';
    const body = typeof res.error === 'string' ? res.error : JSON.stringify(res.error ?? null);
    throw new Error(`${what}: HTTP ${status} ${body.slice(0, 200)}`);
  }
  return res.data as T;
}

export function sessionIdOf(event: BusEvent): string | undefined {
  const p = event.properties ?? {};
  return p.sessionID ?? p.info?.sessionID ?? p.part?.sessionID ?? (event.type.startsWith('session.') ? p.info?.id : undefined);
}

export async function createSession(client: Client, title: string): Promise<string> {
  const session = await ok(client.session.create({ body: { title } }), 'POST /session');
  if (!session?.id) throw new Error(`POST /session: answer has no id: ${JSON.stringify(session).slice(0, 200)}`);
  return session.id;
}

export function textPrompt(text: string) {
  return { parts: [{ type: 'text' as const, text }] };
}
