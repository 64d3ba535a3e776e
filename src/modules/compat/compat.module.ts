import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { SessionModule } from '../session/session.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { CompatController } from './compat.controller';
import { CompatService } from './compat.service';
import { UnsupportedController } from './unsupported.controller';

/** OpenCode's instance-level routes, and the groups that have no meaning on a hosted server (typed 400s). */
@Module({
  imports: [ConfigModule, EventModule, ProjectModule, SessionModule, WorkspaceModule],
  controllers: [CompatController, UnsupportedController],
  providers: [CompatService],
})
export class CompatModule {}
