import { z } from 'zod';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options every adapter accepts; presets fill them from config, env-derived keys and stored credentials. */
export const adapterOptionsSchema = z.object({
  providerId: z.string().min(1),
  apiKey: z.string().optional(),
  baseURL: z.string().url().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Whole-request timeout in ms (the SDK's own timeout); undefined keeps the SDK default. */
  timeout: z.number().int().positive().optional(),
  /** How the key is sent: `Authorization: Bearer` (default) or a named header such as Azure's `api-key`. */
  authHeader: z.string().optional(),
  /** Extra query parameters on every call (Azure `api-version`). */
  query: z.record(z.string(), z.string()).optional(),
});

export type AdapterOptions = z.infer<typeof adapterOptionsSchema> & { fetch?: FetchLike };

export function parseAdapterOptions(options: AdapterOptions): AdapterOptions {
  const { fetch, ...rest } = options;
  return { ...adapterOptionsSchema.parse(rest), fetch };
}
