import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../../core/logging/logger';
import { QueueName } from '../../infra/queue/queue.catalogue';
import { QueueService } from '../../infra/queue/queue.service';
import { ApiKeyService } from '../auth/api-key.service';
import { AuthModule } from '../auth/auth.module';
import { platformAdminOnly } from './queue-dashboard.auth';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over every queue of the catalogue, for platform administrators (API process only). The board (its
 * packages are a few hundred milliseconds of module loading) is built on the first request a platform
 * administrator makes to it, not at boot: most processes never serve it.
 */
@Module({ imports: [AuthModule] })
export class QueueDashboardModule implements OnModuleInit {
  private board?: RequestHandler;

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
    const board: RequestHandler = (req, res, next) => (this.board ??= this.buildBoard())(req, res, next);
    http.getInstance().use(QUEUE_DASHBOARD_PATH, platformAdminOnly(this.keys), board);
    this.logger.debug({ path: QUEUE_DASHBOARD_PATH }, 'queue dashboard mounted');
  }

  private buildBoard(): RequestHandler {
    const { createBullBoard } = require('@bull-board/api') as typeof import('@bull-board/api');
    const { BullMQAdapter } =
      require('@bull-board/api/bullMQAdapter') as typeof import('@bull-board/api/bullMQAdapter');
    const { ExpressAdapter } = require('@bull-board/express') as typeof import('@bull-board/express');

    const adapter = new ExpressAdapter();
    adapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: Object.values(QueueName).map(
        (name) => new BullMQAdapter(this.queues.queue(name), { readOnlyMode: false }),
      ),
      // @bull-board/express 9.10.1 nests its own copy of @bull-board/api 9.10.1; the two agree at run time.
      serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'opencode-api queues' } },
    });
    return adapter.getRouter() as RequestHandler;
  }
}
