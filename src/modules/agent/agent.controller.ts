import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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
  @ApiDoc(
    'List agents',
    "Built-in, configured and custom agents in OpenCode's Agent shape, filtered by the class's allow-list.",
    [404],
  )
  @Get()
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object[]> {
    return this.agents.listFor(auth, directory);
  }
}
