import { Injectable } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import type { StepScope, SystemMaterial, SystemSource } from '../session/session-extension.port';
import { InstructionService } from './instruction.service';

/** Instruction files (AGENTS.md, the school's, the config's `instructions`) in a step's system prompt. */
@Injectable()
export class InstructionSource implements SystemSource {
  constructor(
    private readonly instructions: InstructionService,
    private readonly config: ConfigService,
  ) {}

  async systemFor({ auth, session }: StepScope): Promise<SystemMaterial> {
    const config = await this.config.effective(auth, session.projectId);
    return {
      instructions: await this.instructions.load(session.tenantId, session.directory, config.instructions ?? []),
    };
  }
}
