import type { PluginToolDefinition } from './plugin-tools';

/** Whose call a hook runs for: the school, the user (the plugin's `client` acts as them) and the project. */
export interface PluginScope {
  tenantId: string;
  userId: string | null;
  projectId: string;
  /** The project folder as clients are shown it (`/workspace/<slug>`); its last segment names the host folder. */
  directory: string;
}

/** The hooks this server runs, with OpenCode's signatures: `(input, output) => Promise<void>`, output mutated. */
export const HOOK_NAMES = [
  'event',
  'config',
  'chat.message',
  'chat.params',
  'permission.ask',
  'tool.execute.before',
  'tool.execute.after',
  'experimental.chat.system.transform',
  'experimental.chat.messages.transform',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** What a plugin function returns (OpenCode's `Hooks`), loosely typed: plugins are foreign code. */
export interface PluginHooks {
  tool?: Record<string, PluginToolDefinition>;
  dispose?: () => Promise<void>;
  [hook: string]: unknown;
}

/** OpenCode's plugin function: `(input, options) => Promise<Hooks>`. */
export type PluginFunction = (
  input: Record<string, unknown>,
  options?: Record<string, unknown>,
) => Promise<PluginHooks>;
