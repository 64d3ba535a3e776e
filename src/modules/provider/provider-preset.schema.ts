import { z } from 'zod';

// The shape of a provider preset (provider.presets.ts): which adapter speaks its wire, where it lives, how its key
// travels and which env vars carry what.

export const adapterKindSchema = z.enum([
  'openai-chat',
  'openai-responses',
  'anthropic',
  'anthropic-vertex',
  'sap-orchestration',
  'google',
  'google-vertex',
  'bedrock',
]);
export type AdapterKind = z.infer<typeof adapterKindSchema>;

export const providerPresetSchema = z.object({
  id: z.string(),
  name: z.string(),
  adapter: adapterKindSchema,
  /** AI SDK package OpenCode uses for it (kept for `api.npm` in API shapes). */
  npm: z.string(),
  /** Base URL; `{name}` placeholders are filled from options or the `vars` env vars. */
  baseURL: z.string().optional(),
  /** Env vars holding the API key, in priority order. */
  env: z.array(z.string()),
  /** Placeholder → env vars that can fill it (e.g. accountId ← CLOUDFLARE_ACCOUNT_ID). */
  vars: z.record(z.string(), z.array(z.string())).default({}),
  /** `bearer` (Authorization), a header name (`api-key`, `x-goog-api-key`, ...), or `none`. */
  auth: z.string().default('bearer'),
  keyRequired: z.boolean().default(true),
  headers: z.record(z.string(), z.string()).default({}),
  /** Extra options passed to the adapter (apiVersion, maxTokensField, ...). */
  adapterOptions: z.record(z.string(), z.unknown()).default({}),
  supported: z.boolean().default(true),
  reason: z.string().optional(),
  quirks: z.array(z.string()).default([]),
});
export type ProviderPreset = z.infer<typeof providerPresetSchema>;
