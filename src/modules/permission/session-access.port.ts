import type { AuthContext } from '../../core/auth/auth-context';

/** Where a reply to a pending request lands: the session's project, folder and owner. */
export interface SessionScope {
  projectId: string;
  directory: string;
  ownerId: string | null;
}

/**
 * Port: the session a permission or question reply addresses, loaded with the caller's write rights (404 when
 * unseen, 403 when read-only). Bound to the session module; question replies use the same port.
 */
export interface SessionAccess {
  writableScope(auth: AuthContext, sessionId: string): Promise<SessionScope>;
}

export const SESSION_ACCESS = Symbol('SESSION_ACCESS');
