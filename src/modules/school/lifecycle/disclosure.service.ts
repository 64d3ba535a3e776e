import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { ACCESS_CHANGED } from '../../event/access-changed.event';
import { EventBus } from '../../event/event.bus';
import type { AiDisclosure } from '../../session/prompt/ai-disclosure.port';
import { LifecycleRepository } from './lifecycle.repository';

/** The school's AI disclosure text (`settings.aiDisclosure`), for the first answer of each session. */
@Injectable()
export class DisclosureService implements AiDisclosure, OnModuleInit, OnModuleDestroy {
  /** A changed text applies as soon as the settings change reaches this process (the bus), at the latest in 5 s. */
  private readonly texts = new TtlCache<string, string | undefined>(5_000);
  private off?: () => void;

  constructor(
    private readonly repo: LifecycleRepository,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED && e.event.properties.reason === 'tenant.settings',
      (e) => this.texts.delete(e.tenantId),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  textFor(tenantId: string): Promise<string | undefined> {
    return this.texts.get(tenantId, () => this.repo.disclosure(tenantId));
  }
}
