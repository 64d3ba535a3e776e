import { Module, OnModuleInit } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { EventModule } from '../event/event.module';
import { PermissionModule } from '../permission/permission.module';
import { SessionHooks } from '../session/session.hooks';
import { QuestionController } from './question.controller';
import { QuestionRepository } from './question.repository';
import { QuestionService } from './question.service';
import type { QuestionInfo } from '../tool/tools/question/question.types';

@Module({
  imports: [SessionModule, EventModule, PermissionModule],
  controllers: [QuestionController],
  providers: [QuestionService, QuestionRepository],
  exports: [QuestionService],
})
export class QuestionModule implements OnModuleInit {
  constructor(
    private readonly questions: QuestionService,
    private readonly hooks: SessionHooks,
  ) {}

  onModuleInit(): void {
    // The question tool reaches the user through this service; the tool part id links the request to the call.
    this.hooks.toolServices.push(({ session, messageId, abort }) => ({
      // The second argument (the tool call id) is passed by our question tool; the contract's one-argument
      // form stays valid for other callers.
      askQuestions: (questions: unknown[], callID?: string) =>
        this.questions.ask(
          {
            tenantId: session.tenantId,
            sessionId: session.id,
            projectId: session.projectId,
            ownerId: session.userId,
            directory: session.directory,
            ...(callID ? { tool: { messageID: messageId, callID } } : {}),
            abort,
          },
          questions as QuestionInfo[],
        ),
    }));
  }
}
