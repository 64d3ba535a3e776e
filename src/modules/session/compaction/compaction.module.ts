import { Module } from '@nestjs/common';
import { CompactionFollowUp } from './compaction-follow-up';
import { CompactionController } from './compaction.controller';
import { CompactionProcessor } from './compaction.processor';
import { CompactionService } from './compaction.service';

/** Compaction: hooks into the session loop, the `session.compaction` job and the summarize route. */
@Module({
  controllers: [CompactionController],
  providers: [CompactionService, CompactionProcessor, CompactionFollowUp],
})
export class CompactionModule {}
