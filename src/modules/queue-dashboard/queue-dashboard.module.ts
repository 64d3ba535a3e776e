import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Logger } from 'pino';
import { LOGGER } from '../../core/logging/logger';
import { QueueName } from '../../infra/queue/queue.catalogue';
import { QueueService } from '../../infra/queue/queue.service';
import { ApiKeyService } from '../auth/api-key.service';
import { AuthModule } from '../auth/auth.module';
import { platformAdminOnly } from './queue-dashboard.auth';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Bull Board over every queue of the catalogue, for platform administrators (API process only). */
@Module({ imports: [AuthModule] })
export class QueueDashboardModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queues: QueueService,
    private readonly keys: ApiKeyService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // The worker is an application context without HTTP: nothing to mount there.
    const http = this.adapterHost.httpAdapter;
    if (!http) return;
    const board = new ExpressAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: Object.values(QueueName).map(
        (name) => new BullMQAdapter(this.queues.queue(name), { readOnlyMode: false }),
      ),
      // @bull-board/express 9.10.1 nests its own copy of @bull-board/api 9.10.1; the two agree at run time.
      serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'opencode-api queues' } },
    });
    http.getInstance().use(QUEUE_DASHBOARD_PATH, platformAdminOnly(this.keys), board.getRouter());
    this.logger.debug({ path: QUEUE_DASHBOARD_PATH }, 'queue dashboard mounted');
  }
}
