import { Global, Module } from '@nestjs/common';
import { PermissionController } from '../permission/permission.controller';
import { PermissionRepository } from '../permission/permission.repository';
import { PermissionService } from '../permission/permission.service';
import { MessageController } from './message.controller';
import { MessageRepository } from './message.repository';
import { MessageService } from './message.service';
import { LlmTurnService } from './llm/llm-turn';
import { SessionLoopService } from './prompt/session-loop.service';
import { SessionPromptService } from './prompt/session-prompt.service';
import { SessionRunService } from './run/session-run.service';
import { SessionController } from './session.controller';
import { SessionFacade } from './session.facade';
import { SessionHooks } from './session.hooks';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { SessionWriter } from './session-writer';
import { TitleProcessor } from './title/title.processor';

@Global()
@Module({
  controllers: [SessionController, MessageController, PermissionController],
  providers: [
    SessionService,
    SessionRepository,
    MessageRepository,
    MessageService,
    SessionRunService,
    LlmTurnService,
    SessionWriter,
    SessionLoopService,
    SessionPromptService,
    SessionFacade,
    SessionHooks,
    TitleProcessor,
    PermissionService,
    PermissionRepository,
  ],
  exports: [SessionService, SessionRunService, SessionPromptService, PermissionService, SessionHooks, MessageRepository, SessionRepository, LlmTurnService, SessionWriter],
})
export class SessionModule {}
