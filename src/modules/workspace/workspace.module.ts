import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { WorkspaceManager } from './workspace-manager';

/** One WorkspaceManager for the process: project folders under `workspaceRoot`, tool output under `toolOutputDir`. */
@Module({
  providers: [
    {
      provide: WorkspaceManager,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new WorkspaceManager({ workspaceRoot: config.workspaceRoot, toolOutputRoot: config.toolOutputDir }),
    },
  ],
  exports: [WorkspaceManager],
})
export class WorkspaceModule {}
