import type { AuthContext } from '../../core/auth/auth-context';

// `GET /config` shows the user's agent and model policy defaults as `default_agent` and `model`, because OpenCode's
// TUI starts on those. The policies live in the access module above config; it answers through this port.

export const POLICY_DEFAULTS = Symbol('POLICY_DEFAULTS');

export interface PolicyDefaults {
  /** The policy's explicit defaults for this user in this project, as config keys; empty without a policy default. */
  configKeys(auth: AuthContext, projectId: string): Promise<{ default_agent?: string; model?: string }>;
}
