import { Global, Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { PermissionController } from '../permission/permission.controller';
import { PermissionRepository } from '../permission/permission.repository';
import { PermissionService } from '../permission/permission.service';
import { MessageController } from './message.controller';
import { MessageRepository } from './message.repository';
import { MessageService } from './message.service';
import { SessionLoopService } from './prompt/session-loop.service';
import { SessionPromptService } from './prompt/session-prompt.service';
import { SessionRunService } from './run/session-run.service';
import { SessionController } from './session.controller';
import { SessionFacade } from './session.facade';
import { SessionHooks } from './session.hooks';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { TitleProcessor } from './title/title.processor';
import { TurnContextService } from './turn/turn-context.service';

@Global()
@Module({
  imports: [AccessModule],
  controllers: [SessionController, MessageController, PermissionController],
  providers: [
    SessionService,
    SessionRepository,
    MessageRepository,
    MessageService,
    SessionRunService,
    SessionLoopService,
    SessionPromptService,
    SessionFacade,
    SessionHooks,
    TitleProcessor,
    TurnContextService,
    PermissionService,
    PermissionRepository,
  ],
  exports: [TurnContextService, SessionService, SessionRunService, SessionPromptService, PermissionService, SessionHooks, MessageRepository, SessionRepository],
})
export class SessionModule {}
