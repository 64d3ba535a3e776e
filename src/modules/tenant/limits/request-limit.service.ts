import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError, TooManyRequestsError } from '../../../core/errors/domain-error';
import { LimitCounter } from './limit-counter';
import { LimitsService } from './limits.service';

const MINUTE = 60_000;
/** A refused stream may retry once another of the user's streams closed; a few seconds is a fair hint. */
const STREAM_RETRY_S = 5;

function tooMany(message: string, code: string, limit: number, resetsAt?: number): TooManyRequestsError {
  const retryAfter = resetsAt ? Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000)) : STREAM_RETRY_S;
  return new TooManyRequestsError(message, code, {
    limit: String(limit),
    retryAfter,
    ...(resetsAt ? { resetsAt: new Date(resetsAt).toISOString() } : {}),
  });
}

/**
 * The abuse limits' doors: requests per user per minute (the auth guard, through RATE_LIMITER), stream slots per
 * user (the event stream, through STREAM_ACCESS), share requests per IP, and the size of a session's rules.
 * Per user, never per key: minting more keys buys no more requests.
 */
@Injectable()
export class RequestLimitService {
  constructor(
    private readonly limits: LimitsService,
    private readonly counter: LimitCounter,
  ) {}

  async check(auth: AuthContext): Promise<void> {
    const { requestsPerMinute: limit } = await this.limits.of(auth.tenantId);
    // Under half the limit, the count is not waited for (LimitCounter.hit): near it, every request waits for it.
    const { count, resetsAt } = await this.counter.hit(`rpm:${auth.tenantId}:${auth.userId}`, MINUTE, limit / 2);
    if (count > limit)
      throw tooMany(`Rate limit exceeded: ${limit} requests per minute`, 'rate_limited', limit, resetsAt);
  }

  async claimStream(auth: AuthContext): Promise<{ release(): void }> {
    const { sseConnectionsPerUser: limit } = await this.limits.of(auth.tenantId);
    const id = await this.counter.claim(`sse:${auth.tenantId}:${auth.userId}`, limit);
    if (!id) throw tooMany(`Too many open event streams: at most ${limit} per user`, 'limit_sse_connections', limit);
    let released = false;
    return {
      release: () => {
        if (!released) this.counter.release(id);
        released = true;
      },
    };
  }

  /**
   * Public share links have no user: they count per client IP, whether or not the link exists (guessing ids
   * costs the same as reading); the limit is the link's school's, the platform default for unknown links.
   */
  async checkShare(ip: string, tenantId?: string): Promise<void> {
    const { count, resetsAt } = await this.counter.hit(`share:${ip}`, MINUTE);
    const limit = tenantId
      ? (await this.limits.of(tenantId)).shareRequestsPerMinutePerIp
      : this.limits.defaults.shareRequestsPerMinutePerIp;
    if (count > limit)
      throw tooMany(`Too many requests to shared links: ${limit} per minute`, 'rate_limited', limit, resetsAt);
  }

  /** A session's permission rules, as they would be stored: within the school's count and size. */
  async assertSessionRules(tenantId: string, rules: unknown[] | undefined): Promise<void> {
    if (!rules?.length) return;
    const { sessionRules, sessionRuleBytes } = await this.limits.of(tenantId);
    if (rules.length > sessionRules)
      throw new BadRequestError(
        `A session may carry at most ${sessionRules} permission rules (got ${rules.length})`,
        { limit: String(sessionRules) },
        'limit_session_rules',
      );
    const bytes = Buffer.byteLength(JSON.stringify(rules));
    if (bytes > sessionRuleBytes)
      throw new BadRequestError(
        `A session's permission rules may take at most ${sessionRuleBytes} bytes (got ${bytes})`,
        { limit: String(sessionRuleBytes) },
        'limit_session_rules',
      );
  }
}
