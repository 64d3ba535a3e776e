import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { InstructionService } from './instruction.service';
import { InstructionSource } from './instruction.source';

@Module({
  imports: [ConfigModule, WorkspaceModule],
  providers: [InstructionService, InstructionSource],
  exports: [InstructionService, InstructionSource],
})
export class InstructionModule {}
