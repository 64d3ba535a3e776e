import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { ConfigModule } from '../config/config.module';
import { ProjectModule } from '../project/project.module';
import { AgentController } from './agent.controller';
import { AgentService } from './agent.service';

@Module({
  imports: [ConfigModule, ProjectModule, AccessModule],
  controllers: [AgentController],
  providers: [AgentService],
  exports: [AgentService],
})
export class AgentModule {}
