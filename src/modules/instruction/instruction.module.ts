import { Module, OnModuleInit } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { ConfigModule } from '../config/config.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ConfigService } from '../config/config.service';
import { SessionHooks } from '../session/session.hooks';
import { InstructionService } from './instruction.service';

@Module({
  imports: [SessionModule, ConfigModule, WorkspaceModule],
  providers: [InstructionService],
  exports: [InstructionService],
})
export class InstructionModule implements OnModuleInit {
  constructor(
    private readonly instructions: InstructionService,
    private readonly config: ConfigService,
    private readonly hooks: SessionHooks,
  ) {}

  onModuleInit(): void {
    this.hooks.system.push(async ({ auth, session }) => {
      const config = await this.config.effective(auth, session.projectId);
      return {
        instructions: await this.instructions.load(session.tenantId, session.directory, config.instructions ?? []),
      };
    });
  }
}
