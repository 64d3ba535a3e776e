import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { AllowanceService } from './allowance.service';
import { AllowanceDto, MyAllowanceDto, SetAllowanceDto } from './dto/allowance.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/allowances')
export class AllowanceController {
  constructor(private readonly allowances: AllowanceService) {}

  @ApiDoc('List allowances', "The school's refilling allowances (admins).", [403])
  @Get()
  @Roles('admin')
  list(@Auth() auth: AuthContext): Promise<AllowanceDto[]> {
    return this.allowances.list(auth);
  }

  @ApiDoc(
    'Set an allowance',
    'Creates or replaces the refilling allowance (a token bucket: capacity, refill per hour or day, in tokens or ' +
      'exact dollars) of one unit for the school, a class, a user or every user of a role (admins).',
    [400, 403, 404],
  )
  @Put()
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Body() body: SetAllowanceDto): Promise<AllowanceDto> {
    return this.allowances.set(auth, body);
  }

  @ApiDoc('Delete an allowance', 'Removes one allowance of the school (admins).', [403, 404])
  @Delete(':id')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.allowances.remove(auth, id);
  }
}

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/allowance')
export class MyAllowanceController {
  constructor(private readonly allowances: AllowanceService) {}

  @ApiDoc(
    'My allowance',
    'What the caller has left of each allowance in force (their own, their classes’, the school’s) and when each ' +
      'is full again. A `budget.updated` event with the same list follows each turn on the caller’s stream.',
  )
  @Get()
  mine(@Auth() auth: AuthContext): Promise<MyAllowanceDto> {
    return this.allowances.mine(auth);
  }
}
