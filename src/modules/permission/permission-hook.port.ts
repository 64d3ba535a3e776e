// The platform plugins' `permission.ask` hook, as a port: the permission module sits below the plugin module
// (plugins read the config, the config reads permission rules), so the composition root binds this token.

export const PERMISSION_HOOK = Symbol('PERMISSION_HOOK');

export interface PermissionHookScope {
  tenantId: string;
  /** The session's owner: the plugin runs as them. */
  userId: string | null;
  projectId: string;
  directory: string;
}

export interface PermissionHook {
  /** An ask the rules left open: plugins answer `allow`, `deny` or leave it to the user (`ask`). */
  ask(scope: PermissionHookScope, info: Record<string, unknown>): Promise<'ask' | 'allow' | 'deny'>;
}
