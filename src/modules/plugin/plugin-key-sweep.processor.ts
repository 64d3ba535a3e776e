import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../core/logging/logger';
import { QueueService } from '../../infra/queue/queue.service';
import { ApiKeyService } from '../auth/api-key.service';

/** Payload tenant id of the hourly run: the sweep covers every school. */
export const ALL_TENANTS = '*';
const HOURLY = '23 * * * *';

/**
 * `maintenance.plugin-key-sweep`: deletes the expired API keys minted for platform plugins' `client`s (a fresh one
 * is minted per plugin, user and project every hour, so without a sweep they pile up in every user's key list).
 * Runs hourly on the maintenance queue and once at every boot (a deployment that ran long without workers).
 */
@Injectable()
export class PluginKeySweepProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueService,
    private readonly keys: ApiKeyService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('maintenance.plugin-key-sweep', () => this.run());
  }

  onApplicationBootstrap(): void {
    this.queues.schedule('plugin-key-sweep-hourly', HOURLY, 'maintenance.plugin-key-sweep', { tenantId: ALL_TENANTS });
    // Not awaited: boot does not wait on housekeeping, and a failure here only leaves dead rows for the next run.
    void this.run().catch((err: unknown) => this.logger.warn({ err }, 'plugin key sweep at boot failed'));
  }

  async run(now = new Date()): Promise<{ removed: number }> {
    const removed = await this.keys.sweepExpiredPluginKeys(now);
    if (removed) this.logger.info({ removed }, 'expired plugin keys removed');
    return { removed };
  }
}
