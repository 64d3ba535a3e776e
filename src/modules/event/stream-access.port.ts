import type { AuthContext } from '../../core/auth/auth-context';

/**
 * Port: what an open stream needs from the layers above it (bound in ports.module.ts). `current` re-reads the
 * caller's rights uncached — null once the key is revoked or expired or the user deleted; `claim` takes one of
 * the user's stream slots (the per-user SSE connection limit, counted across API processes) or throws a 429.
 */
export interface StreamAccess {
  current(auth: AuthContext): Promise<AuthContext | null>;
  claim(auth: AuthContext): Promise<StreamSlot>;
}

export interface StreamSlot {
  /** Called once when the stream closes. */
  release(): void;
}

export const STREAM_ACCESS = Symbol('STREAM_ACCESS');

/**
 * Port: the current rights of many callers in one read per school (StreamGuard's sweep re-checks every open stream
 * with it; bound in ports.module.ts apart from STREAM_ACCESS, whose stream slots depend on the guard).
 */
export interface StreamRights {
  currentMany(auths: AuthContext[]): Promise<(AuthContext | null)[]>;
}

export const STREAM_RIGHTS = Symbol('STREAM_RIGHTS');
