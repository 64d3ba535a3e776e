import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { TooManyRequestsError } from '../../../core/errors/domain-error';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { REDIS, type RedisClient } from '../../../infra/redis/redis.provider';
import { BudgetRepository } from '../budget/budget.repository';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../budget/budget.metrics';

const WINDOW_MS = 60_000;

/**
 * Requests per minute per API key (per user for JWT callers), in fixed one-minute windows. With Redis the
 * count is shared by every replica (INCR is atomic); without it each process counts on its own.
 */
@Injectable()
export class RateLimitService {
  private readonly local = new Map<string, { window: number; count: number }>();
  private readonly limits = new TtlCache<string, number>(5_000);

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly budgets: BudgetRepository,
  ) {}

  async check(auth: AuthContext): Promise<void> {
    const limit = await this.limitOf(auth.tenantId);
    if (limit <= 0) return;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const subject = auth.keyId ?? `user:${auth.userId}`;
    const count = await this.increment(`ratelimit:${auth.tenantId}:${subject}:${window}`, window);
    if (count > limit) {
      const resetsAt = new Date((window + 1) * WINDOW_MS).toISOString();
      throw new TooManyRequestsError(`Rate limit exceeded: ${limit} requests per minute`, 'rate_limited', {
        limit: String(limit),
        resetsAt,
      });
    }
  }

  private async increment(key: string, window: number): Promise<number> {
    if (this.redis && this.redis.status === 'ready') {
      try {
        const [[, count]] = (await this.redis
          .multi()
          .incr(key)
          .pexpire(key, WINDOW_MS * 2)
          .exec()) as [[unknown, number]];
        return count;
      } catch {
        // Redis hiccup: count locally rather than refuse or wave everything through.
      }
    }
    const hit = this.local.get(key);
    if (hit && hit.window === window) return ++hit.count;
    if (this.local.size > 50_000) this.local.clear();
    this.local.set(key, { window, count: 1 });
    return 1;
  }

  /** A budget changed: read the limit again on the next request (other replicas catch up within seconds). */
  forget(tenantId: string): void {
    this.limits.delete(tenantId);
  }

  // Read on every request: cache the tenant's limit for a few seconds.
  private limitOf(tenantId: string): Promise<number> {
    return this.limits.get(tenantId, () => this.loadLimit(tenantId));
  }

  private async loadLimit(tenantId: string): Promise<number> {
    const [row] = await this.budgets
      .forScopes(tenantId, ['tenant'])
      .then((rows) => rows.filter((r) => r.metric === 'requests_per_minute'));
    return row ? Number(row.limit) : DEFAULT_REQUESTS_PER_MINUTE;
  }
}
