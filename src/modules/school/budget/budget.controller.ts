import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { BudgetService } from './budget.service';
import { BudgetDto, SetBudgetDto } from './dto/budget.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/budgets')
export class BudgetController {
  constructor(private readonly budgets: BudgetService) {}

  @ApiDoc('List budgets', "The school's budgets with what is spent of each (admins).", [403])
  @Get()
  @Roles('admin')
  list(@Auth() auth: AuthContext): Promise<BudgetDto[]> {
    return this.budgets.list(auth);
  }

  /** Sets (creates or replaces) the limit of one metric for one scope. */
  @ApiDoc(
    'Set a budget',
    'Creates or replaces the limit of one metric (tokens, cost, prompts per day or month) for a school, class or user.',
    [400, 403, 404],
  )
  @Put()
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Body() body: SetBudgetDto): Promise<BudgetDto> {
    return this.budgets.set(auth, body);
  }

  @ApiDoc('Delete a budget', 'Removes one budget of the school.', [403, 404])
  @Delete(':id')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.budgets.remove(auth, id);
  }
}
