import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { AgentService } from './agent.service';

@ApiTags('agent')
@ApiBearerAuth()
@Controller('agent')
export class AgentController {
  constructor(private readonly agents: AgentService) {}

  /** Built-in, configured and custom agents in OpenCode's `Agent` shape. */
  @Get()
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object[]> {
    return this.agents.listFor(auth, directory);
  }
}
