// How many sessions a user may run at once is a school rule; the run lease that enforces it is the session's.
// The session declares this port and the school module provides it, so session never imports school.

export const RUN_LIMITS = Symbol('RUN_LIMITS');

export interface ConcurrencyLimit {
  limit: number;
  /** Throws the refusal (a TooManyRequestsError) for a user already running `running` other sessions. */
  refuse(running: number): never;
}

export interface RunLimits {
  /** The user's limit on sessions running at once, if any budget sets one. */
  concurrentSessions(tenantId: string, userId: string): Promise<ConcurrencyLimit | undefined>;
}
