import { z } from 'zod';

// OpenCode config keys the catalogue reads: `provider.<id>` (overrides and custom providers),
// `disabled_providers`, `enabled_providers`, `model`, `small_model`. Parsed leniently: unknown keys pass.

const modality = z.enum(['text', 'audio', 'image', 'video', 'pdf']);

const partialCost = z.object({
  input: z.number().nonnegative().optional(),
  output: z.number().nonnegative().optional(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
  context_over_200k: z.object({ input: z.number(), output: z.number(), cache_read: z.number().optional(), cache_write: z.number().optional() }).optional(),
});

export const configModelSchema = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    family: z.string().optional(),
    release_date: z.string().optional(),
    attachment: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    temperature: z.boolean().optional(),
    tool_call: z.boolean().optional(),
    interleaved: z.union([z.boolean(), z.string(), z.object({ field: z.string() })]).optional(),
    cost: partialCost.optional(),
    limit: z.object({ context: z.number().nonnegative(), input: z.number().nonnegative().optional(), output: z.number().nonnegative() }).partial().optional(),
    modalities: z.object({ input: z.array(modality).optional(), output: z.array(modality).optional() }).optional(),
    experimental: z.boolean().optional(),
    status: z.enum(['alpha', 'beta', 'deprecated', 'active']).optional(),
    provider: z.object({ npm: z.string().optional(), api: z.string().optional() }).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    variants: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .loose();
export type ConfigModel = z.infer<typeof configModelSchema>;

export const configProviderSchema = z
  .object({
    api: z.string().optional(),
    name: z.string().optional(),
    env: z.array(z.string()).optional(),
    id: z.string().optional(),
    npm: z.string().optional(),
    whitelist: z.array(z.string()).optional(),
    blacklist: z.array(z.string()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    models: z.record(z.string(), configModelSchema).optional(),
  })
  .loose();
export type ConfigProvider = z.infer<typeof configProviderSchema>;

export const providersConfigSchema = z
  .object({
    provider: z.record(z.string(), configProviderSchema).optional(),
    disabled_providers: z.array(z.string()).optional(),
    enabled_providers: z.array(z.string()).optional(),
    model: z.string().optional(),
    small_model: z.string().optional(),
    /** Show alpha models (OpenCode's experimental models flag). */
    experimentalModels: z.boolean().optional(),
  })
  .loose();
export type ProvidersConfig = z.infer<typeof providersConfigSchema>;
