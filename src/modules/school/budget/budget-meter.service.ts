import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { newId } from '../../../core/ids';
import { LOGGER } from '../../../core/logging/logger';
import { ProcessLiveness } from '../../../infra/database/process-liveness';
import type { LlmCharge, LlmMeter, LlmReservation, MeteredUsage, WorstCase } from '../../session/llm/llm-meter.port';
import { Prisma } from '../../../generated/prisma/client';
import type { BucketClaim } from '../allowance/allowance-bucket.sql';
import { worstOf } from '../allowance/allowance.policy';
import { AllowanceService } from '../allowance/allowance.service';
import { BudgetCounterRepository, type CounterClaim } from './budget-counter.repository';
import { BudgetEnforcerService, type Limit } from './budget-enforcer.service';
import { BudgetReservationRepository } from './budget-reservation.repository';
import { BudgetRepository } from './budget.repository';
import { tenantPeriods, type TenantPeriods } from './tenant-clock';

const METERED = new Set(['tokens_day', 'tokens_month', 'cost_day', 'cost_month']);

interface Reservation extends LlmReservation {
  day: Date;
  claims: CounterClaim[];
  buckets: BucketClaim[];
  /** Its row (BudgetReservation), when it reserved anything. */
  id?: string;
}

/**
 * The school side of LlmTurn's meter: every call reserves its worst case on the counter of each token and cost
 * budget in force (the owner's, their role's or the default, each class they study in, the school's; per day
 * and per month), then records its real usage with its purpose and gives back the difference.
 */
@Injectable()
export class BudgetMeterService implements LlmMeter, OnApplicationBootstrap, OnModuleDestroy {
  private readonly zones = new Map<string, { tz: string; until: number }>();
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly counters: BudgetCounterRepository,
    private readonly reservations: BudgetReservationRepository,
    private readonly budgets: BudgetRepository,
    private readonly enforcer: BudgetEnforcerService,
    private readonly allowances: AllowanceService,
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly liveness: ProcessLiveness,
  ) {}

  /** This process, as the owner of its reservations' rows. */
  get owner(): string {
    return this.liveness.owner;
  }

  /**
   * Reservations live as long as their process (ProcessLiveness): any other process's sweep gives back the
   * reservations of a process whose lock is gone (it died mid-call) at once, and a live process's are never
   * renewed, only kept. This sweeps other processes' every third of the run lease.
   */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(250, Math.floor(this.app.runLeaseMs / 3)));
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One sweep of dead processes' reservations; returns how many it released. */
  async tick(): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    try {
      const released = await this.reservations.releaseAbandoned(this.owner);
      if (released) this.logger.warn({ released }, 'budget reservations of a dead process given back');
      return released;
    } catch (err) {
      this.logger.warn({ err }, 'budget reservation sweep failed');
      return 0;
    } finally {
      this.ticking = false;
    }
  }

  async reserve(charge: LlmCharge, worst: WorstCase): Promise<LlmReservation> {
    const periods = tenantPeriods(new Date(), await this.timezone(charge.tenantId));
    const limits = charge.userId
      ? (await this.enforcer.limitsFor(charge.tenantId, charge.userId)).filter((l) => METERED.has(l.metric))
      : [];
    const claims = limits.map((l) => claimOf(l, periods, worst));
    const buckets = charge.userId ? await this.allowances.bucketsFor(charge.tenantId, charge.userId) : [];
    // Titles are not the student's doing: never refused by an allowance, charged when they settle.
    const bucketClaims: BucketClaim[] = buckets.map((b) => ({
      ...b,
      amount: charge.purpose === 'title' ? '0' : worstOf(b, worst),
    }));
    const reservation: Reservation = { charge, worst, day: periods.day, claims, buckets: [] };
    if (!claims.length && !bucketClaims.length) return reservation;
    const hold = {
      id: newId('reservation'),
      owner: this.owner,
      sessionId: charge.sessionId,
      ttlMs: this.app.runLeaseMs,
    };
    // A row inserted before this process's lock is held would look like a dead process's to the other sweeps.
    await this.liveness.ready();
    const result = await this.counters.reserve(charge.tenantId, claims, bucketClaims, hold);
    const refused = result.refusal;
    if (refused && 'bucket' in refused) {
      const b = buckets[bucketClaims.indexOf(refused.bucket)];
      this.allowances.refuse(b, refused.level, { purpose: charge.purpose });
    }
    if (refused) {
      const limit = limits[claims.indexOf(refused.refused)];
      this.enforcer.refuse(charge.tenantId, limit, new Prisma.Decimal(refused.used).toFixed(), periods, {
        requested: refused.refused.amount,
        purpose: charge.purpose,
      });
    }
    // What settles is what was taken: a call that found less than its worst case gives back less.
    if ('taken' in result) reservation.buckets = bucketClaims.map((b) => ({ ...b, amount: result.taken.get(b.key)! }));
    reservation.id = hold.id;
    if (Math.random() < 0.01) void this.counters.sweep(charge.tenantId).catch(() => undefined);
    return reservation;
  }

  async settle(reservation: LlmReservation, usage: MeteredUsage | undefined): Promise<void> {
    const r = reservation as Reservation;
    const c = r.charge;
    const tokens = usage ? usage.input + usage.output + usage.reasoning + usage.cacheRead + usage.cacheWrite : 0;
    const actual = (kind: 'tokens' | 'cost') => new Prisma.Decimal(kind === 'tokens' ? tokens : (usage?.cost ?? '0'));
    const deltas = r.claims.map((claim) => ({
      key: claim.key,
      delta: actual(claim.kind).minus(claim.amount).toFixed(),
      actual: actual(claim.kind).toFixed(),
    }));
    const giveBack = r.buckets.map((bucket) => ({
      bucket,
      giveBack: new Prisma.Decimal(bucket.amount).minus(actual(bucket.unit)).toFixed(),
      used: actual(bucket.unit).toFixed(),
    }));
    await this.counters.settle(
      c.tenantId,
      deltas,
      usage && {
        id: newId('usage'),
        tenantId: c.tenantId,
        userId: c.userId,
        sessionId: c.sessionId,
        messageId: c.messageId ?? null,
        partId: usage.partId ?? null,
        providerId: c.providerId,
        modelId: c.modelId,
        purpose: c.purpose,
        // The day the call was reserved on: the counters it settles are that day's.
        day: r.day,
        inputTokens: usage.input,
        outputTokens: usage.output,
        reasoningTokens: usage.reasoning,
        cacheReadTokens: usage.cacheRead,
        cacheWriteTokens: usage.cacheWrite,
        cost: usage.cost,
      },
      giveBack,
      r.id,
    );
    // A settle that failed leaves its row (the worst case counted) for as long as this process lives.
  }

  // The time zone changes rarely; a minute of staleness is fine and saves a query per call.
  private async timezone(tenantId: string): Promise<string> {
    const hit = this.zones.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.tz;
    const tz = await this.budgets.timezone(tenantId);
    this.zones.set(tenantId, { tz, until: Date.now() + 60_000 });
    return tz;
  }
}

function claimOf(l: Limit, p: TenantPeriods, worst: WorstCase): CounterClaim {
  const monthly = l.metric.endsWith('_month');
  const from = monthly ? p.monthStart : p.day;
  const kind = l.metric.startsWith('cost') ? 'cost' : 'tokens';
  return {
    key: `${l.scope}|${l.metric}|${from.toISOString().slice(0, 10)}`,
    scope: l.scope,
    kind,
    from,
    expiresAt: monthly ? p.monthResetsAt : p.dayResetsAt,
    limit: l.limit,
    amount: kind === 'tokens' ? String(worst.tokens) : worst.cost,
  };
}
