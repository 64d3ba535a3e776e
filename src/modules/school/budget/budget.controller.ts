import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { BudgetService } from './budget.service';
import { BudgetDto, SetBudgetDto } from './dto/budget.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/budgets')
export class BudgetController {
  constructor(private readonly budgets: BudgetService) {}

  @Get()
  @Roles('admin')
  list(@Auth() auth: AuthContext): Promise<BudgetDto[]> {
    return this.budgets.list(auth);
  }

  /** Sets (creates or replaces) the limit of one metric for one scope. */
  @Put()
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Body() body: SetBudgetDto): Promise<BudgetDto> {
    return this.budgets.set(auth, body);
  }

  @Delete(':id')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.budgets.remove(auth, id);
  }
}
