import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, PlatformAdminOnly, Roles } from '../../core/auth/auth.decorators';
import { CreatedTenantDto, CreateTenantDto, TenantDto, UpdateSchoolDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin: tenants')
@ApiBearerAuth()
@Controller('admin/tenants')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Post()
  @PlatformAdminOnly()
  async create(@Body() body: CreateTenantDto): Promise<CreatedTenantDto> {
    const { tenant, admin, key } = await this.tenants.createTenant(body);
    return { tenant: tenant as TenantDto, adminUserId: admin.id, key };
  }

  @Get()
  @PlatformAdminOnly()
  list(): Promise<TenantDto[]> {
    return this.tenants.listTenants() as Promise<TenantDto[]>;
  }

  /** The caller's own tenant. */
  @Get('current')
  current(@Auth() auth: AuthContext): Promise<TenantDto> {
    return this.tenants.currentTenant(auth) as Promise<TenantDto>;
  }

  /** A school admin's settings of their own school (sharing, teacher writes, deletion policy). */
  @Patch('current')
  @Roles('admin')
  updateCurrent(@Auth() auth: AuthContext, @Body() body: UpdateSchoolDto): Promise<TenantDto> {
    return this.tenants.updateCurrentTenant(auth, body) as Promise<TenantDto>;
  }

  @Get(':id')
  @PlatformAdminOnly()
  get(@Param('id') id: string): Promise<TenantDto> {
    return this.tenants.getTenant(id) as Promise<TenantDto>;
  }

  @Patch(':id')
  @PlatformAdminOnly()
  update(@Param('id') id: string, @Body() body: UpdateTenantDto): Promise<TenantDto> {
    return this.tenants.updateTenant(id, body) as Promise<TenantDto>;
  }

  @Delete(':id')
  @PlatformAdminOnly()
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.tenants.deleteTenant(auth, id);
  }
}
