import { z } from 'zod';
import { configSchema, providerConfigSchema, providerModelConfigSchema } from '../../config/config.schema';

// The keys of OpenCode's config document the catalogue reads — `provider.<id>` (overrides and custom
// providers), `disabled_providers`, `enabled_providers`, `model`, `small_model` — with the config module's
// schemas, the one source for them. One leniency on top: a model entry may override part of a price or a
// limit (only `cost.input`, say), which the catalogue merges over the models.dev entry.

const modelShape = providerModelConfigSchema.shape;

export const configModelSchema = providerModelConfigSchema.extend({
  cost: modelShape.cost.unwrap().partial().optional(),
  limit: modelShape.limit.unwrap().partial().optional(),
});
export type ConfigModel = z.infer<typeof configModelSchema>;

export const configProviderSchema = providerConfigSchema.extend({
  models: z.record(z.string(), configModelSchema).optional(),
});
export type ConfigProvider = z.infer<typeof configProviderSchema>;

export const providersConfigSchema = configSchema
  .pick({ disabled_providers: true, enabled_providers: true, model: true, small_model: true })
  .extend({
    provider: z.record(z.string(), configProviderSchema).optional(),
    /** Show alpha models (OpenCode's experimental models flag). */
    experimentalModels: z.boolean().optional(),
  });
export type ProvidersConfig = z.infer<typeof providersConfigSchema>;
