import type { AuthContext } from '../../core/auth/auth-context';

/** Port: the per-user request limit the auth guard applies after authenticating (bound to the tenant module's limits). */
export interface RateLimiter {
  /** Throws a DomainError (429) when the caller is over the limit. */
  check(auth: AuthContext): Promise<void>;
}

export const RATE_LIMITER = Symbol('RATE_LIMITER');
