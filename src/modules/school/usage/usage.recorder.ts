import { Injectable } from '@nestjs/common';
import { newId } from '../../../core/ids';
import { TtlCache } from '../../../core/cache/ttl-cache';
import type { StepUsage } from '../../session/session.hooks';
import { tenantPeriods } from '../budget/tenant-clock';
import { UsageRepository } from './usage.repository';

/** afterStep hook: one UsageRecord per step-finish part, on the tenant-local day, charged to the session owner. */
@Injectable()
export class UsageRecorder {
  private readonly zones = new TtlCache<string, string>(60_000);

  constructor(private readonly repo: UsageRepository) {}

  async afterStep(u: StepUsage): Promise<void> {
    const tz = await this.timezone(u.auth.tenantId);
    await this.repo.record({
      id: newId('usage'),
      tenantId: u.auth.tenantId,
      userId: u.session.userId ?? u.auth.userId,
      sessionId: u.session.id,
      messageId: u.assistant.id,
      partId: u.partId,
      providerId: u.providerID,
      modelId: u.modelID,
      day: tenantPeriods(new Date(), tz).day,
      inputTokens: u.tokens.input,
      outputTokens: u.tokens.output,
      reasoningTokens: u.tokens.reasoning,
      cacheReadTokens: u.tokens.cacheRead,
      cacheWriteTokens: u.tokens.cacheWrite,
      cost: u.cost,
    });
  }

  // The time zone changes rarely; a minute of staleness is fine and saves a query per step.
  private timezone(tenantId: string): Promise<string> {
    return this.zones.get(tenantId, () => this.repo.timezone(tenantId));
  }
}
