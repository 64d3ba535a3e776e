import { Module } from '@nestjs/common';
import { AgentModule } from '../../agent/agent.module';
import { ConfigModule } from '../../config/config.module';
import { ProviderModule } from '../../provider/provider.module';
import { SessionModule } from '../session.module';
import { CompactionFollowUp } from './compaction-follow-up';
import { CompactionController } from './compaction.controller';
import { CompactionProcessor } from './compaction.processor';
import { CompactionService } from './compaction.service';
import { CompactionSteps } from './compaction-steps';

/** Compaction: the loop's side (CompactionSteps, bound to the loop's ports), the `session.compaction` job, the summarize route. */
@Module({
  imports: [SessionModule, AgentModule, ConfigModule, ProviderModule],
  controllers: [CompactionController],
  providers: [CompactionService, CompactionSteps, CompactionProcessor, CompactionFollowUp],
  exports: [CompactionSteps],
})
export class CompactionModule {}
