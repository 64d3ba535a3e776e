/**
 * Per-user abuse limits of a school (`Tenant.settings.limits`), on by default. The platform's defaults come from
 * the environment (`LIMIT_*`); a school admin changes their school's through `PATCH /admin/limits`, within these
 * bounds: no limit can be switched off, none can be set so low that a class cannot work.
 */
export interface AbuseLimits {
  /** Authenticated requests per user per minute (every key and token of the user together). */
  requestsPerMinute: number;
  /** Active (unrevoked, unexpired) API keys per user. */
  apiKeysPerUser: number;
  /** Open SSE streams (`/event`, `/global/event`) per user, across API processes. */
  sseConnectionsPerUser: number;
  /** Permission rules a session may carry. */
  sessionRules: number;
  /** Their total size, in bytes of JSON. */
  sessionRuleBytes: number;
  /** Requests to public share links (`/share/*`) per client IP per minute. */
  shareRequestsPerMinutePerIp: number;
}

export const LIMIT_BOUNDS: Readonly<Record<keyof AbuseLimits, readonly [min: number, max: number]>> = {
  requestsPerMinute: [10, 100_000],
  apiKeysPerUser: [1, 1_000],
  sseConnectionsPerUser: [1, 10_000],
  sessionRules: [1, 10_000],
  sessionRuleBytes: [1_024, 4_194_304],
  shareRequestsPerMinutePerIp: [10, 100_000],
};

/**
 * Sized for a classroom: limits count per user, so thirty students behind one school NAT each get their own
 * allowance; an OpenCode client at work makes a few requests a second at most, and a page of open tabs a handful
 * of streams. Share links are per IP (viewers are anonymous): a class watching one link from one NAT fits.
 */
export const DEFAULT_ABUSE_LIMITS: Readonly<AbuseLimits> = Object.freeze({
  requestsPerMinute: 600,
  apiKeysPerUser: 20,
  sseConnectionsPerUser: 10,
  sessionRules: 100,
  sessionRuleBytes: 65_536,
  shareRequestsPerMinutePerIp: 600,
});

export const LIMIT_ENV: Readonly<Record<keyof AbuseLimits, string>> = {
  requestsPerMinute: 'LIMIT_REQUESTS_PER_MINUTE',
  apiKeysPerUser: 'LIMIT_API_KEYS_PER_USER',
  sseConnectionsPerUser: 'LIMIT_SSE_CONNECTIONS_PER_USER',
  sessionRules: 'LIMIT_SESSION_RULES',
  sessionRuleBytes: 'LIMIT_SESSION_RULE_BYTES',
  shareRequestsPerMinutePerIp: 'LIMIT_SHARE_REQUESTS_PER_MINUTE_PER_IP',
};
