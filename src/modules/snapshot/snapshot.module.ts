import { Global, Module } from '@nestjs/common';
import { ForkController } from '../session/fork/fork.controller';
import { ForkService } from '../session/fork/fork.service';
import { RevertController } from '../session/revert/revert.controller';
import { RevertService } from '../session/revert/revert.service';
import { PublicShareController } from '../session/share/public-share.controller';
import { ShareController } from '../session/share/share.controller';
import { ShareRepository } from '../session/share/share.repository';
import { ShareService } from '../session/share/share.service';
import { SummaryController } from '../session/summary/summary.controller';
import { SessionChangesRepository } from '../session/summary/summary.repository';
import { SummaryService } from '../session/summary/summary.service';
import { SnapshotAdminController } from './snapshot-admin.controller';
import { SnapshotGcProcessor } from './snapshot-gc.processor';
import { SnapshotService } from './snapshot.service';

/**
 * Snapshots and what is built on them: the session's diff and summary, revert, fork and share. The session
 * sub-features are composed here rather than in SessionModule so they plug in through SessionHooks; global so
 * the loop can take SnapshotService without SessionModule importing this module (which needs SessionModule).
 */
@Global()
@Module({
  controllers: [SummaryController, RevertController, ForkController, ShareController, PublicShareController, SnapshotAdminController],
  providers: [SnapshotService, SnapshotGcProcessor, SessionChangesRepository, SummaryService, RevertService, ForkService, ShareService, ShareRepository],
  exports: [SnapshotService, SummaryService],
})
export class SnapshotModule {}
