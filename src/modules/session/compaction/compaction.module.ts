import { Module } from '@nestjs/common';
import { AgentModule } from '../../agent/agent.module';
import { ConfigModule } from '../../config/config.module';
import { ProviderModule } from '../../provider/provider.module';
import { SessionModule } from '../session.module';
import { CompactionFollowUp } from './compaction-follow-up';
import { CompactionController } from './compaction.controller';
import { CompactionProcessor } from './compaction.processor';
import { CompactionService } from './compaction.service';

/** Compaction: hooks into the session loop, the `session.compaction` job and the summarize route. */
@Module({
  imports: [SessionModule, AgentModule, ConfigModule, ProviderModule],
  controllers: [CompactionController],
  providers: [CompactionService, CompactionProcessor, CompactionFollowUp],
})
export class CompactionModule {}
