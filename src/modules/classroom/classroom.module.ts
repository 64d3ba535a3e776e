import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AgentModule } from '../agent/agent.module';
import { AuditModule } from '../audit/audit.module';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { SessionModule } from '../session/session.module';
import { PermissionModule } from '../permission/permission.module';
import { ProjectModule } from '../project/project.module';
import { QuestionModule } from '../question/question.module';
import { SchoolModule } from '../school/school.module';
import { TenantModule } from '../tenant/tenant.module';
import { DataRequestController } from './data/data-request.controller';
import { DataRequestRepository } from './data/data-request.repository';
import { DataRequestService } from './data/data-request.service';
import { RetentionController } from './data/retention.controller';
import { RetentionRepository } from './data/retention.repository';
import { RetentionService } from './data/retention.service';
import { WorkspaceModule } from '../workspace/workspace.module';
import { AssignmentController } from './assignment/assignment.controller';
import { AssignmentRepository } from './assignment/assignment.repository';
import { AssignmentService } from './assignment/assignment.service';
import { ClassroomStore } from './assignment/classroom-store';
import { CollectionProcessor } from './collection/collection.processor';
import { CollectionScheduler } from './collection/collection.scheduler';
import { CollectionService } from './collection/collection.service';
import { NoteController } from './note/note.controller';
import { NoteRepository } from './note/note.repository';
import { NoteService } from './note/note.service';
import { OnBehalfController } from './oversight/on-behalf.controller';
import { OnBehalfService } from './oversight/on-behalf.service';
import { OversightController } from './oversight/oversight.controller';
import { OversightRepository } from './oversight/oversight.repository';
import { OversightService } from './oversight/oversight.service';
import { WorkspaceFilesController } from './workspace-files/workspace-files.controller';
import { WorkspaceFilesService } from './workspace-files/workspace-files.service';

/**
 * The classroom loop on top of schools and sessions: assignments with starter files, students' seeded copies,
 * file transfer, collections. The top layer: it imports what it uses, nothing below imports it.
 */
@Module({
  imports: [
    AccessModule,
    AgentModule,
    AuditModule,
    ConfigModule,
    EventModule,
    PermissionModule,
    ProjectModule,
    QuestionModule,
    SchoolModule,
    SessionModule,
    TenantModule,
    WorkspaceModule,
  ],
  controllers: [
    AssignmentController,
    WorkspaceFilesController,
    NoteController,
    OversightController,
    OnBehalfController,
    DataRequestController,
    RetentionController,
  ],
  providers: [
    AssignmentRepository,
    AssignmentService,
    ClassroomStore,
    CollectionScheduler,
    CollectionService,
    CollectionProcessor,
    WorkspaceFilesService,
    NoteRepository,
    NoteService,
    OversightRepository,
    OversightService,
    OnBehalfService,
    DataRequestRepository,
    DataRequestService,
    RetentionRepository,
    RetentionService,
  ],
  exports: [NoteService],
})
export class ClassroomModule {}
