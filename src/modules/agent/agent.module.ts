import { Global, Module } from '@nestjs/common';
import { AgentController } from './agent.controller';
import { AgentService } from './agent.service';

@Global()
@Module({ controllers: [AgentController], providers: [AgentService], exports: [AgentService] })
export class AgentModule {}
