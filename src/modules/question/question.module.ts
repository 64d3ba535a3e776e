import { Module } from '@nestjs/common';
import { EventModule } from '../event/event.module';
import { PermissionModule } from '../permission/permission.module';
import { QuestionController } from './question.controller';
import { QuestionRepository } from './question.repository';
import { QuestionService } from './question.service';

/** Questions to the user; the question tool reaches them through TOOL_SERVICE_SOURCES (QuestionService.servicesFor). */
@Module({
  imports: [EventModule, PermissionModule],
  controllers: [QuestionController],
  providers: [QuestionService, QuestionRepository],
  exports: [QuestionService],
})
export class QuestionModule {}
