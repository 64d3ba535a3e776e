import { Injectable, OnModuleInit } from '@nestjs/common';
import { systemAuth } from '../../../core/auth/auth-context';
import { QueueService } from '../../../infra/queue/queue.service';
import { CollectionService } from './collection.service';

/** `classroom.collect`: the due-time collection (idempotent: one per assignment and due time). */
@Injectable()
export class CollectionProcessor implements OnModuleInit {
  constructor(
    private readonly queues: QueueService,
    private readonly collections: CollectionService,
  ) {}

  onModuleInit(): void {
    this.queues.register('classroom.collect', (p) =>
      this.collections.collectDue(systemAuth(p.tenantId), p.assignmentId, p.dueAt),
    );
  }
}
