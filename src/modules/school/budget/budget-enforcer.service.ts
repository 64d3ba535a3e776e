import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Prisma } from '../../../generated/prisma/client';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { TooManyRequestsError } from '../../../core/errors/domain-error';
import { MetricsService } from '../../../infra/metrics/metrics.service';
import type { SessionRow } from '../../session/session.repository';
import type { ConcurrencyLimit, RunLimits } from '../../session/run/run-limits.port';
import type { PromptGuard } from '../../session/session-extension.port';
import { BudgetRepository, type BudgetRow } from './budget.repository';
import { DEFAULT_STUDENT_PROMPTS_PER_DAY, errorCode, type BudgetMetric } from './budget.metrics';
import { tenantPeriods, type TenantPeriods } from './tenant-clock';

export interface Limit {
  /** The scope whose usage counts: `user:<id>`, `class:<id>` or `tenant`. */
  scope: string;
  metric: BudgetMetric;
  limit: string;
}

/**
 * Checks a prompt against every budget that applies to the session's owner before anything is stored or sent.
 * Usage-based limits (tokens, cost, running sessions) refuse once reached; the prompt count is claimed
 * atomically in the database, so parallel prompts can never overshoot it.
 */
@Injectable()
export class BudgetEnforcerService implements RunLimits, PromptGuard {
  /**
   * Stored roles, for the run lease and the meter, which know the owner but not their role: two reads per prompt
   * otherwise. Same horizon as the access and config caches: a changed role counts everywhere within 5 s.
   */
  private readonly roles = new TtlCache<string, string | null>(5_000);
  /** The budget rows that apply to a user, read three times per prompt (intake, run lease, meter); same horizon. */
  private readonly rows = new TtlCache<string, BudgetRow[]>(5_000);
  /** A school's time zone changes rarely; a minute of staleness is fine (as the meter's). */
  private readonly zones = new TtlCache<string, string>(60_000);

  constructor(
    private readonly repo: BudgetRepository,
    private readonly metrics: MetricsService,
  ) {}

  async beforePrompt(auth: AuthContext, session: SessionRow): Promise<void> {
    const userId = session.userId ?? auth.userId;
    const role = userId === auth.userId ? auth.role : undefined;
    const limits = await this.limitsFor(auth.tenantId, userId, role);
    if (!limits.length) return;
    const periods = tenantPeriods(new Date(), await this.timezone(auth.tenantId));

    for (const l of limits.filter((x) => x.metric !== 'prompts_day')) {
      const used = await this.used(auth.tenantId, l, periods, session.id);
      if (new Prisma.Decimal(used).gte(l.limit))
        this.refuse(auth.tenantId, l, new Prisma.Decimal(used).toFixed(), periods);
    }

    const prompts = limits.filter((x) => x.metric === 'prompts_day');
    if (!prompts.length) return;
    const refused =
      prompts.find((l) => Number(l.limit) < 1) ?? (await this.claimPrompts(auth.tenantId, prompts, periods));
    if (refused)
      this.refuse(
        auth.tenantId,
        refused,
        String(await this.repo.counterValue(auth.tenantId, counterKey(refused, periods))),
        periods,
      );
  }

  /** RunLimits: the user's own concurrent-session limit (else their role's), claimed with the run lease. */
  async concurrentSessions(tenantId: string, userId: string): Promise<ConcurrencyLimit | undefined> {
    const l = (await this.limitsFor(tenantId, userId)).find(
      (x) => x.metric === 'concurrent_sessions' && x.scope.startsWith('user:'),
    );
    if (!l) return undefined;
    const periods = tenantPeriods(new Date(), await this.timezone(tenantId));
    return { limit: Number(l.limit), refuse: (running) => this.refuse(tenantId, l, String(running), periods) };
  }

  /** A budget of this tenant changed: this process applies it at once, the others within the cache's 5 s. */
  forget(_tenantId: string): void {
    this.rows.clear();
  }

  private timezone(tenantId: string): Promise<string> {
    return this.zones.get(tenantId, () => this.repo.timezone(tenantId));
  }

  private async claimPrompts(tenantId: string, prompts: Limit[], periods: TenantPeriods): Promise<Limit | undefined> {
    const refusedKey = await this.repo.claim(
      tenantId,
      prompts.map((l) => ({ key: counterKey(l, periods), limit: l.limit })),
    );
    if (!refusedKey) {
      if (Math.random() < 0.01) void this.repo.sweepCounters(tenantId, periods.dayKey).catch(() => undefined);
      return undefined;
    }
    return prompts.find((l) => counterKey(l, periods) === refusedKey);
  }

  /**
   * Limits in force: the user's own (else their role's, else the student default), their classes', the tenant's.
   * Without `role`, the user's stored role.
   */
  async limitsFor(tenantId: string, userId: string, knownRole?: string): Promise<Limit[]> {
    const role =
      knownRole ??
      (await this.roles.get(`${tenantId}\0${userId}`, () => this.repo.userRole(tenantId, userId))) ??
      'student';
    const rows = await this.rows.get(`${tenantId}\0${userId}\0${role}`, () =>
      this.repo.forUser(tenantId, userId, role),
    );
    const pick = (scope: string) => rows.filter((r) => r.scope === scope);
    const own = new Map<string, BudgetRow>(pick(`role:${role}`).map((r) => [r.metric, r]));
    for (const r of pick(`user:${userId}`)) own.set(r.metric, r);
    const limits: Limit[] = [...own.values()].map((r) => ({
      scope: `user:${userId}`,
      metric: r.metric as BudgetMetric,
      limit: r.limit.toFixed(),
    }));
    if (role === 'student' && !own.has('prompts_day'))
      limits.push({ scope: `user:${userId}`, metric: 'prompts_day', limit: DEFAULT_STUDENT_PROMPTS_PER_DAY });
    for (const r of rows) {
      if (r.scope === 'tenant' || r.scope.startsWith('class:'))
        limits.push({ scope: r.scope, metric: r.metric as BudgetMetric, limit: r.limit.toFixed() });
    }
    return limits;
  }

  private async used(tenantId: string, l: Limit, p: TenantPeriods, sessionId: string): Promise<number | string> {
    const [kind, id] = l.scope.split(':');
    if (l.metric === 'concurrent_sessions')
      return kind === 'user' ? this.repo.runningSessions(tenantId, id, sessionId) : 0;
    const from = l.metric.endsWith('_day') ? p.day : p.monthStart;
    const users = kind === 'user' ? [id] : kind === 'class' ? await this.repo.classMembers(tenantId, id) : undefined;
    const u = await this.repo.usageSince(tenantId, from, users);
    return (l.metric.startsWith('cost') ? u.cost : u.tokens).toFixed();
  }

  /** The one door of every budget refusal (intake, run lease, meter): counted by school and code, then thrown. */
  refuse(tenantId: string, l: Limit, used: string, p: TenantPeriods, extra: Record<string, unknown> = {}): never {
    this.metrics.budgetRefusals.inc({ tenant: tenantId, code: errorCode(l.metric) });
    const resetsAt =
      l.metric === 'concurrent_sessions' ? null : l.metric.endsWith('_month') ? p.monthResetsAt : p.dayResetsAt;
    const what = l.scope === 'tenant' ? 'the school' : l.scope.startsWith('class:') ? 'the class' : 'you';
    throw new TooManyRequestsError(
      `Budget exhausted: ${l.metric.replace('_', ' per ')} for ${what} (limit ${l.limit})`,
      errorCode(l.metric),
      {
        metric: l.metric,
        scope: l.scope,
        limit: l.limit,
        used,
        ...extra,
        resetsAt: resetsAt ? resetsAt.toISOString() : null,
      },
    );
  }
}

function counterKey(l: Limit, p: TenantPeriods): string {
  return `${l.scope}|${l.metric}|${p.dayKey}`;
}
