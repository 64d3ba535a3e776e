import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import type { AssignmentRow } from '../assignment/assignment.repository';

/** Job id of the due-time collection: one per assignment and due time, so re-saving the same time adds nothing. */
export const dueJobId = (assignmentId: string, dueAt: Date) => `collect-${assignmentId}-${dueAt.getTime()}`;

/**
 * Puts the due-time collection on the queue as a delayed `classroom.collect` job. A moved due time leaves the
 * old job in place; it finds the time changed and does nothing (cheaper and race-free next to removing it).
 */
@Injectable()
export class CollectionScheduler {
  constructor(
    private readonly queues: QueueService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async schedule(row: AssignmentRow): Promise<void> {
    if (!row.dueAt) return;
    const delayMs = Math.max(0, row.dueAt.getTime() - Date.now());
    await this.queues.enqueue(
      'classroom.collect',
      { tenantId: row.tenantId, assignmentId: row.id, dueAt: row.dueAt.getTime() },
      { jobId: dueJobId(row.id, row.dueAt), delayMs },
    );
    this.logger.debug({ assignmentId: row.id, delayMs }, 'collection scheduled');
  }
}
