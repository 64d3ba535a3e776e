import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { LIMIT_BOUNDS, type AbuseLimits } from '../../../core/config/abuse-limits';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { BadRequestError, NotFoundError } from '../../../core/errors/domain-error';
import { AuditService } from '../../audit/audit.service';
import { ACCESS_CHANGED } from '../../event/access-changed.event';
import { EventBus } from '../../event/event.bus';
import { StreamGuard } from '../../event/stream-guard.service';
import { LimitsRepository } from './limits.repository';

const CACHE_MS = 5_000;

/**
 * A school's abuse limits: the platform's defaults (`LIMIT_*`) overlaid with what the school's admin set. Read on
 * every request, so cached per process for a few seconds; a change is announced on the bus (as a settings change)
 * and every process drops its copy at once.
 */
@Injectable()
export class LimitsService implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new TtlCache<string, Readonly<AbuseLimits>>(CACHE_MS, 10_000);

  constructor(
    private readonly repo: LimitsRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly streams: StreamGuard,
  ) {}

  private off?: () => void;

  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED && e.event.properties.reason === 'tenant.settings',
      (e) => this.cache.delete(e.tenantId),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  get defaults(): Readonly<AbuseLimits> {
    return this.config.defaultLimits;
  }

  of(tenantId: string): Promise<Readonly<AbuseLimits>> {
    return this.cache.get(tenantId, async () => this.overlay((await this.repo.read(tenantId)) ?? {}));
  }

  get(auth: AuthContext): Promise<AbuseLimits> {
    return this.of(auth.tenantId).then((l) => ({ ...l }));
  }

  async update(auth: AuthContext, input: Partial<AbuseLimits>): Promise<AbuseLimits> {
    const changes: Record<string, number> = {};
    for (const key of Object.keys(LIMIT_BOUNDS) as (keyof AbuseLimits)[]) {
      const value = input[key];
      if (value === undefined) continue;
      const [min, max] = LIMIT_BOUNDS[key];
      // The DTO checks these too; the service holds the rule for any other caller.
      if (!Number.isInteger(value) || value < min || value > max)
        throw new BadRequestError(`${key} must be a whole number from ${min} to ${max}`, {}, 'limit_invalid');
      changes[key] = value;
    }
    if ((await this.repo.read(auth.tenantId)) === null) throw new NotFoundError(`Tenant not found: ${auth.tenantId}`);
    if (Object.keys(changes).length) await this.repo.merge(auth.tenantId, changes);
    this.cache.delete(auth.tenantId);
    this.streams.announce(auth.tenantId, { reason: 'tenant.settings' });
    await this.audit.record(auth, 'limits.update', auth.tenantId, changes);
    return this.get(auth);
  }

  /** Stored values outside today's bounds (an older release, a hand edit) fall back to the default. */
  private overlay(stored: Record<string, unknown>): AbuseLimits {
    const limits = { ...this.config.defaultLimits };
    for (const key of Object.keys(LIMIT_BOUNDS) as (keyof AbuseLimits)[]) {
      const v = stored[key];
      const [min, max] = LIMIT_BOUNDS[key];
      if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) limits[key] = v;
    }
    return limits;
  }
}
