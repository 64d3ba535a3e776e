// OpenCode's config document (opencode.json). Known keys are type-checked; unknown keys are kept, because
// configs written for newer OpenCode releases (or for its TUI) must still load here.
import { z } from 'zod';
import { permissionActionSchema } from '../permission/permission.rules';

const modelRef = z.string().regex(/^[^/\s]+\/\S+/, 'expected "provider/model"');
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const stringMap = z.record(z.string(), z.string());
const timeoutSetting = z.union([positiveInt, z.literal(false)]);

export const permissionRuleConfigSchema = z.union([
  permissionActionSchema,
  z.record(z.string(), permissionActionSchema),
]);
export const permissionConfigSchema = z.union([
  permissionActionSchema,
  z.record(z.string(), permissionRuleConfigSchema),
]);

/** A tool id or an MCP tool pattern (`github_*`): what OpenCode's `tools` map takes. */
const toolName = z.string().regex(/^[A-Za-z0-9_.*-]{1,100}$/, 'expected a tool name (letters, digits, _ . - *)');

/**
 * An access policy (platform/school `role_access.<role>`, a class's settings, an assignment's policy). `agents` and
 * `models` are allow-lists (names and `provider/model` refs, `*` wildcards) that narrow what the layers above allow;
 * the defaults are what a user who names nothing gets; `tools: {name: false}` turns tools off; `allow_change: false`
 * keeps users on the default agent and model (docs/school.md, "Agent and model policy").
 */
export const accessListSchema = z.strictObject({
  agents: z.array(z.string().min(1).max(200)).max(200).optional(),
  models: z.array(z.string().min(1).max(300)).max(500).optional(),
  default_agent: z.string().min(1).max(200).optional(),
  default_model: modelRef.max(300).optional(),
  tools: z
    .record(toolName, z.boolean())
    .refine((t) => Object.keys(t).length <= 100, 'at most 100 tools')
    .optional(),
  allow_change: z.boolean().optional(),
});
export type AccessPolicy = z.infer<typeof accessListSchema>;

const themeColors = ['primary', 'secondary', 'accent', 'success', 'warning', 'error', 'info'] as const;

export const agentConfigSchema = z.looseObject({
  model: modelRef.optional(),
  variant: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  prompt: z.string().optional(),
  tools: z.record(z.string(), z.boolean()).optional(),
  disable: z.boolean().optional(),
  description: z.string().optional(),
  mode: z.enum(['subagent', 'primary', 'all']).optional(),
  hidden: z.boolean().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  color: z
    .union(
      [z.string().regex(/^#[0-9a-fA-F]{6}$/), z.enum(themeColors)],
      'expected a #RRGGBB colour or a theme colour name',
    )
    .optional(),
  steps: positiveInt.optional(),
  maxSteps: positiveInt.optional(),
  permission: permissionConfigSchema.optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

const costSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
});
const modality = z.enum(['text', 'audio', 'image', 'video', 'pdf']);

export const providerModelConfigSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  family: z.string().optional(),
  release_date: z.string().optional(),
  attachment: z.boolean().optional(),
  reasoning: z.boolean().optional(),
  temperature: z.boolean().optional(),
  tool_call: z.boolean().optional(),
  interleaved: z.union([z.boolean(), z.string(), z.object({ field: z.string() })]).optional(),
  cost: costSchema.extend({ context_over_200k: costSchema.optional() }).optional(),
  limit: z
    .object({
      context: z.number().nonnegative(),
      input: z.number().nonnegative().optional(),
      output: z.number().nonnegative(),
    })
    .optional(),
  modalities: z.object({ input: z.array(modality).optional(), output: z.array(modality).optional() }).optional(),
  experimental: z.boolean().optional(),
  status: z.enum(['alpha', 'beta', 'deprecated', 'active']).optional(),
  provider: z.object({ npm: z.string().optional(), api: z.string().optional() }).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  headers: stringMap.optional(),
  variants: z.record(z.string(), z.looseObject({ disabled: z.boolean().optional() })).optional(),
});

export const providerConfigSchema = z.looseObject({
  api: z.string().optional(),
  name: z.string().optional(),
  env: z.array(z.string()).optional(),
  id: z.string().optional(),
  npm: z.string().optional(),
  whitelist: z.array(z.string()).optional(),
  blacklist: z.array(z.string()).optional(),
  options: z
    .looseObject({
      apiKey: z.string().optional(),
      baseURL: z.string().optional(),
      enterpriseUrl: z.string().optional(),
      setCacheKey: z.boolean().optional(),
      headers: stringMap.optional(),
      timeout: timeoutSetting.optional(),
      headerTimeout: timeoutSetting.optional(),
      chunkTimeout: timeoutSetting.optional(),
    })
    .optional(),
  models: z.record(z.string(), providerModelConfigSchema).optional(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

const mcpLocalSchema = z.looseObject({
  type: z.literal('local'),
  command: z.array(z.string()).min(1, 'expected the command and its arguments'),
  cwd: z.string().optional(),
  environment: stringMap.optional(),
  enabled: z.boolean().optional(),
  timeout: positiveInt.optional(),
});
const mcpRemoteSchema = z.looseObject({
  type: z.literal('remote'),
  url: z.url(),
  enabled: z.boolean().optional(),
  headers: stringMap.optional(),
  oauth: z
    .union([
      z.object({
        clientId: z.string().optional(),
        clientSecret: z.string().optional(),
        scope: z.string().optional(),
        callbackPort: z.number().int().min(1).max(65535).optional(),
        redirectUri: z.string().optional(),
      }),
      z.literal(false),
    ])
    .optional(),
  timeout: positiveInt.optional(),
});
// `{enabled: false}` alone switches off a server defined by another layer.
const mcpToggleSchema = z.object({ type: z.undefined().optional(), enabled: z.boolean() });
export const mcpConfigSchema = z.discriminatedUnion('type', [mcpLocalSchema, mcpRemoteSchema, mcpToggleSchema]);
export type McpConfig = z.infer<typeof mcpConfigSchema>;

const commandSchema = z.looseObject({
  template: z.string(),
  description: z.string().optional(),
  agent: z.string().optional(),
  model: modelRef.optional(),
  variant: z.string().optional(),
  subtask: z.boolean().optional(),
});

const referenceSchema = z.union([
  z.string(),
  z.object({
    repository: z.string(),
    branch: z.string().optional(),
    description: z.string().optional(),
    hidden: z.boolean().optional(),
  }),
  z.object({ path: z.string(), description: z.string().optional(), hidden: z.boolean().optional() }),
]);

const formatterSchema = z.union([
  z.boolean(),
  z.record(
    z.string(),
    z.looseObject({
      disabled: z.boolean().optional(),
      command: z.array(z.string()).optional(),
      environment: stringMap.optional(),
      extensions: z.array(z.string()).optional(),
    }),
  ),
]);

const lspSchema = z.union([
  z.boolean(),
  z.record(
    z.string(),
    z.looseObject({
      command: z.array(z.string()).optional(),
      extensions: z.array(z.string()).optional(),
      disabled: z.boolean().optional(),
      env: stringMap.optional(),
      initialization: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
]);

export const compactionConfigSchema = z.looseObject({
  auto: z.boolean().optional(),
  prune: z.boolean().optional(),
  tail_turns: nonNegativeInt.optional(),
  preserve_recent_tokens: nonNegativeInt.optional(),
  reserved: nonNegativeInt.optional(),
});

export const configSchema = z.looseObject({
  $schema: z.string().optional(),
  /** opencode-api: permission rules per school role, locked after every other layer (platform and tenant config only). */
  role_permission: z.partialRecord(z.enum(['admin', 'teacher', 'student']), permissionConfigSchema).optional(),
  /** opencode-api: allow-lists of agents and models per school role (platform and tenant config only); lower lists narrow. */
  role_access: z.partialRecord(z.enum(['admin', 'teacher', 'student']), accessListSchema).optional(),
  shell: z.string().optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
  server: z
    .looseObject({
      port: positiveInt.optional(),
      hostname: z.string().optional(),
      mdns: z.boolean().optional(),
      mdnsDomain: z.string().optional(),
      cors: z.array(z.string()).optional(),
    })
    .optional(),
  command: z.record(z.string(), commandSchema).optional(),
  skills: z.looseObject({ paths: z.array(z.string()).optional(), urls: z.array(z.string()).optional() }).optional(),
  reference: z.record(z.string(), referenceSchema).optional(),
  references: z.record(z.string(), referenceSchema).optional(),
  watcher: z.looseObject({ ignore: z.array(z.string()).optional() }).optional(),
  snapshot: z.boolean().optional(),
  plugin: z.array(z.union([z.string(), z.tuple([z.string(), z.record(z.string(), z.unknown())])])).optional(),
  share: z.enum(['manual', 'auto', 'disabled']).optional(),
  autoshare: z.boolean().optional(),
  autoupdate: z.union([z.boolean(), z.literal('notify')]).optional(),
  disabled_providers: z.array(z.string()).optional(),
  enabled_providers: z.array(z.string()).optional(),
  model: modelRef.optional(),
  small_model: modelRef.optional(),
  default_agent: z.string().optional(),
  subagent_depth: nonNegativeInt.optional(),
  username: z.string().optional(),
  /** Deprecated alias of `agent`. */
  mode: z.record(z.string(), agentConfigSchema).optional(),
  agent: z.record(z.string(), agentConfigSchema).optional(),
  provider: z.record(z.string(), providerConfigSchema).optional(),
  mcp: z.record(z.string(), mcpConfigSchema).optional(),
  formatter: formatterSchema.optional(),
  lsp: lspSchema.optional(),
  instructions: z.array(z.string()).optional(),
  layout: z.enum(['auto', 'stretch']).optional(),
  permission: permissionConfigSchema.optional(),
  tools: z.record(z.string(), z.boolean()).optional(),
  attachment: z
    .looseObject({
      image: z
        .looseObject({
          auto_resize: z.boolean().optional(),
          max_width: positiveInt.optional(),
          max_height: positiveInt.optional(),
          max_base64_bytes: positiveInt.optional(),
        })
        .optional(),
    })
    .optional(),
  enterprise: z.looseObject({ url: z.string().optional() }).optional(),
  tool_output: z.looseObject({ max_lines: positiveInt.optional(), max_bytes: positiveInt.optional() }).optional(),
  compaction: compactionConfigSchema.optional(),
  experimental: z
    .looseObject({
      disable_paste_summary: z.boolean().optional(),
      batch_tool: z.boolean().optional(),
      openTelemetry: z.boolean().optional(),
      primary_tools: z.array(z.string()).optional(),
      continue_loop_on_deny: z.boolean().optional(),
      mcp_timeout: positiveInt.optional(),
    })
    .optional(),
});
export type Config = z.infer<typeof configSchema>;
