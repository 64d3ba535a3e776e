import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { SkillDto } from './dto/skill.dto';
import { SkillCatalogue } from './skill.catalogue';

@ApiTags('skill')
@ApiBearerAuth()
@Controller('skill')
export class SkillController {
  constructor(private readonly skills: SkillCatalogue) {}

  /** Skills of the selected project (and the tenant's shared ones), in OpenCode's shape. */
  @ApiDoc('List skills', "Skills of the project and the school's shared ones, in OpenCode's shape.", [404])
  @Get()
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<SkillDto[]> {
    return this.skills.list(auth, directory);
  }
}
