import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { REDIS, type RedisClient } from '../../../infra/redis/redis.provider';

/** A slot stays claimed this long without a refresh: a process that dies frees its slots after this. */
const SLOT_TTL_MS = 90_000;
const REFRESH_MS = 30_000;

// Drops expired slots, refuses when `limit` live ones remain, else claims one (score = its expiry).
const CLAIM = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * The counters behind the abuse limits. With Redis they are shared by every API process and each check is one
 * atomic step (INCR in a MULTI for windows, a Lua script for slots); without Redis (embedded mode, one process)
 * they are counted in memory. A Redis error falls back to the local count rather than refusing or waving through.
 */
@Injectable()
export class LimitCounter implements OnModuleDestroy {
  private readonly windows = new Map<string, { window: number; count: number }>();
  /** Per shared window: the count Redis last answered plus this process's hits sent since (a lower bound). */
  private readonly seen = new Map<string, number>();
  private readonly localSlots = new Map<string, Set<string>>();
  /** Slots this process holds, refreshed while held: id → key. */
  private readonly held = new Map<string, { key: string; shared: boolean }>();
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(REDIS) private readonly redis: RedisClient) {
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Counts one hit in the current fixed window; returns the count and when the window ends (ms). While the count
   * this process knows (Redis's last answer plus its own hits since) stays under `eagerBelow`, the hit is counted in
   * Redis without waiting for the answer, and the known count is returned: a request far from its limit does not
   * wait a round trip, and one near it waits for the exact count, as every hit did before.
   */
  async hit(key: string, windowMs: number, eagerBelow = 0): Promise<{ count: number; resetsAt: number }> {
    const window = Math.floor(Date.now() / windowMs);
    const resetsAt = (window + 1) * windowMs;
    const full = `limit:${key}:${window}`;
    if (this.ready()) {
      const sent = this.redis!.multi()
        .incr(full)
        .pexpire(full, windowMs * 2)
        .exec()
        .then((r) => {
          const [[, count]] = r as [[unknown, number]];
          this.seen.set(full, Math.max(this.seen.get(full) ?? 0, count));
          return count;
        });
      const known = this.seen.get(full);
      if (known !== undefined && known + 1 < eagerBelow) {
        this.seen.set(full, known + 1);
        sent.catch(() => this.seen.delete(full));
        return { count: known + 1, resetsAt };
      }
      this.seen.delete(`limit:${key}:${window - 1}`);
      if (this.seen.size > 50_000) this.seen.clear();
      try {
        return { count: await sent, resetsAt };
      } catch {
        // fall through to the local count
      }
    }
    const hit = this.windows.get(key);
    if (hit && hit.window === window) return { count: ++hit.count, resetsAt };
    if (this.windows.size > 50_000) this.windows.clear();
    this.windows.set(key, { window, count: 1 });
    return { count: 1, resetsAt };
  }

  /** Claims one of `limit` slots under `key`; the id to release, or null when all are taken. */
  async claim(key: string, limit: number): Promise<string | null> {
    const id = randomBytes(9).toString('base64url');
    const full = `slots:${key}`;
    if (this.ready()) {
      try {
        const now = Date.now();
        const ok = await this.redis!.eval(CLAIM, 1, full, now, limit, now + SLOT_TTL_MS, id, SLOT_TTL_MS * 2);
        if (!ok) return null;
        this.held.set(id, { key: full, shared: true });
        return id;
      } catch {
        // fall through to the local count
      }
    }
    const set = this.localSlots.get(full) ?? new Set<string>();
    if (set.size >= limit) return null;
    set.add(id);
    this.localSlots.set(full, set);
    this.held.set(id, { key: full, shared: false });
    return id;
  }

  release(id: string): void {
    const slot = this.held.get(id);
    if (!slot) return;
    this.held.delete(id);
    if (slot.shared) {
      this.redis?.zrem(slot.key, id).catch(() => undefined); // the slot expires on its own otherwise
      return;
    }
    const set = this.localSlots.get(slot.key);
    set?.delete(id);
    if (set && !set.size) this.localSlots.delete(slot.key);
  }

  private async refresh(): Promise<void> {
    if (!this.ready()) return;
    const until = Date.now() + SLOT_TTL_MS;
    const pipeline = this.redis!.pipeline();
    for (const [id, slot] of this.held)
      if (slot.shared) pipeline.zadd(slot.key, 'XX', until, id).pexpire(slot.key, SLOT_TTL_MS * 2);
    await pipeline.exec().catch(() => undefined);
  }

  private ready(): boolean {
    return !!this.redis && this.redis.status === 'ready';
  }
}
