import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { SessionModule } from '../session/session.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ApiV2Controller } from './api-v2.controller';
import { ApiV2Service } from './api-v2.service';
import { CompatController } from './compat.controller';
import { CompatService } from './compat.service';
import { UnsupportedController } from './unsupported.controller';

/** OpenCode's instance-level routes, the `/api/*` operations its web app calls, and the groups that have no meaning on a hosted server (typed 400s). */
@Module({
  imports: [ConfigModule, EventModule, ProjectModule, SessionModule, WorkspaceModule],
  controllers: [CompatController, ApiV2Controller, UnsupportedController],
  providers: [CompatService, ApiV2Service],
})
export class CompatModule {}
