import { Injectable } from '@nestjs/common';
import { TtlCache } from '../../../core/cache/ttl-cache';
import type { AiDisclosure } from '../../session/prompt/ai-disclosure.port';
import { LifecycleRepository } from './lifecycle.repository';

/** The school's AI disclosure text (`settings.aiDisclosure`), for the first answer of each session. */
@Injectable()
export class DisclosureService implements AiDisclosure {
  /** Same horizon as the config caches: a changed text shows within 5 s everywhere. */
  private readonly texts = new TtlCache<string, string | undefined>(5_000);

  constructor(private readonly repo: LifecycleRepository) {}

  textFor(tenantId: string): Promise<string | undefined> {
    return this.texts.get(tenantId, () => this.repo.disclosure(tenantId));
  }
}
