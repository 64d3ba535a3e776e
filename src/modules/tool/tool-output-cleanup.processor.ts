import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { QueueService } from '../../infra/queue/queue.service';
import { cleanupToolOutput } from './truncation';

/** Payload tenant id of the scheduled run: every tenant with saved tool output. */
export const ALL_TENANTS = '*';
const HOURLY = '41 * * * *';

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

/**
 * `maintenance.tool-output-cleanup`: deletes full tool outputs (saved when a result was truncated) older than
 * seven days from `<toolOutputDir>/<tenant>/<project>/`, hourly.
 */
@Injectable()
export class ToolOutputCleanupProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('maintenance.tool-output-cleanup', (p) => this.run(p.tenantId));
  }

  onApplicationBootstrap(): void {
    this.queues.schedule('tool-output-cleanup-hourly', HOURLY, 'maintenance.tool-output-cleanup', {
      tenantId: ALL_TENANTS,
    });
  }

  async run(tenantId: string, now = Date.now()): Promise<{ removed: number }> {
    const root = this.config.toolOutputDir;
    const tenants = tenantId === ALL_TENANTS ? await subfolders(root) : [tenantId];
    let removed = 0;
    for (const tenant of tenants) {
      // Tenant ids are ours (`ten_…`); a payload naming a path elsewhere is not followed.
      if (tenant.includes('/') || tenant.includes('\\') || tenant.startsWith('.')) continue;
      const tenantDir = path.join(root, tenant);
      for (const project of await subfolders(tenantDir))
        removed += await cleanupToolOutput(path.join(tenantDir, project), undefined, now);
    }
    this.logger.info({ tenantId, removed }, 'tool output cleanup done');
    return { removed };
  }
}
