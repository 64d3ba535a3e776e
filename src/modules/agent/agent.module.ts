import { Global, Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AgentController } from './agent.controller';
import { AgentService } from './agent.service';

@Global()
@Module({ imports: [AccessModule], controllers: [AgentController], providers: [AgentService], exports: [AgentService] })
export class AgentModule {}
