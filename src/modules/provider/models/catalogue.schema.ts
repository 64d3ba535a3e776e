import { z } from 'zod';

// Two shapes: models.dev's api.json (the snapshot and refresh source, also OpenCode's config `provider.<id>`
// model entries) and OpenCode's API `Provider`/`Model` answered by GET /provider and GET /config/providers.

const priceSchema = z.number().nonnegative();

export const devCostSchema = z.object({
  input: priceSchema.default(0),
  output: priceSchema.default(0),
  cache_read: priceSchema.optional(),
  cache_write: priceSchema.optional(),
  reasoning: priceSchema.optional(),
  input_audio: priceSchema.optional(),
  output_audio: priceSchema.optional(),
  context_over_200k: z
    .object({
      input: priceSchema.default(0),
      output: priceSchema.default(0),
      cache_read: priceSchema.optional(),
      cache_write: priceSchema.optional(),
    })
    .optional(),
  tiers: z
    .array(
      z.object({
        tier: z.object({ type: z.literal('context'), size: z.number().positive() }),
        input: priceSchema.default(0),
        output: priceSchema.default(0),
        cache_read: priceSchema.optional(),
        cache_write: priceSchema.optional(),
      }),
    )
    .optional(),
});

const modalitySchema = z.enum(['text', 'audio', 'image', 'video', 'pdf']);

export const devModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  family: z.string().optional(),
  attachment: z.boolean().default(false),
  reasoning: z.boolean().default(false),
  tool_call: z.boolean().default(true),
  temperature: z.boolean().default(true),
  interleaved: z.union([z.literal(true), z.object({ field: z.string() })]).optional(),
  knowledge: z.string().optional(),
  release_date: z.string().default(''),
  last_updated: z.string().optional(),
  modalities: z
    .object({ input: z.array(modalitySchema), output: z.array(modalitySchema) })
    .default({ input: ['text'], output: ['text'] }),
  open_weights: z.boolean().optional(),
  cost: devCostSchema.optional(),
  limit: z.object({
    context: z.number().nonnegative(),
    input: z.number().nonnegative().optional(),
    output: z.number().nonnegative(),
  }),
  status: z.enum(['alpha', 'beta', 'deprecated']).optional(),
  /** Per-model provider override (e.g. one OpenRouter model on another SDK). */
  provider: z.object({ npm: z.string().optional(), api: z.string().optional() }).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  variants: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type DevModel = z.infer<typeof devModelSchema>;

export const devProviderSchema = z.object({
  id: z.string(),
  name: z.string(),
  env: z.array(z.string()).default([]),
  npm: z.string().default('@ai-sdk/openai-compatible'),
  api: z.string().optional(),
  doc: z.string().optional(),
  models: z.record(z.string(), devModelSchema),
});
export type DevProvider = z.infer<typeof devProviderSchema>;

export const catalogueSnapshotSchema = z.object({
  /** Where the data came from and when; not part of models.dev's shape, ignored by it. */
  $source: z.object({ from: z.string(), takenAt: z.string(), note: z.string().optional() }).optional(),
  providers: z.record(z.string(), devProviderSchema),
});
export type CatalogueSnapshot = z.infer<typeof catalogueSnapshotSchema>;

// ---- OpenCode API shapes (GET /provider, GET /config/providers) ----

export const costBlockSchema = z.object({
  input: z.number(),
  output: z.number(),
  cache: z.object({ read: z.number(), write: z.number() }),
});

export const modelCostSchema = costBlockSchema.extend({
  tiers: z
    .array(costBlockSchema.extend({ tier: z.object({ type: z.literal('context'), size: z.number() }) }))
    .optional(),
  experimentalOver200K: costBlockSchema.optional(),
});
export type ModelCost = z.infer<typeof modelCostSchema>;

const ioSchema = z.object({
  text: z.boolean(),
  audio: z.boolean(),
  image: z.boolean(),
  video: z.boolean(),
  pdf: z.boolean(),
});

export const apiModelSchema = z.object({
  id: z.string(),
  providerID: z.string(),
  api: z.object({ id: z.string(), url: z.string(), npm: z.string() }),
  name: z.string(),
  family: z.string().optional(),
  capabilities: z.object({
    temperature: z.boolean(),
    reasoning: z.boolean(),
    attachment: z.boolean(),
    toolcall: z.boolean(),
    input: ioSchema,
    output: ioSchema,
    interleaved: z.union([z.boolean(), z.object({ field: z.string() })]),
  }),
  cost: modelCostSchema,
  limit: z.object({ context: z.number(), input: z.number().optional(), output: z.number() }),
  status: z.enum(['alpha', 'beta', 'deprecated', 'active']),
  options: z.record(z.string(), z.unknown()),
  headers: z.record(z.string(), z.string()),
  release_date: z.string(),
  variants: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type ApiModel = z.infer<typeof apiModelSchema>;

export const apiProviderSchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.enum(['env', 'config', 'custom', 'api']),
  env: z.array(z.string()),
  key: z.string().optional(),
  options: z.record(z.string(), z.unknown()),
  models: z.record(z.string(), apiModelSchema),
});
export type ApiProvider = z.infer<typeof apiProviderSchema>;
