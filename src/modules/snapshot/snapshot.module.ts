import { Module } from '@nestjs/common';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { SnapshotAdminController } from './snapshot-admin.controller';
import { SnapshotGcProcessor } from './snapshot-gc.processor';
import { SnapshotService } from './snapshot.service';

/** Git snapshots of project folders and their garbage collection; the session features built on them live in session/. */
@Module({
  imports: [EventModule, ProjectModule],
  controllers: [SnapshotAdminController],
  providers: [SnapshotService, SnapshotGcProcessor],
  exports: [SnapshotService],
})
export class SnapshotModule {}
