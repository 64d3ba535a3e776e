import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, PlatformAdminOnly, Roles } from '../../core/auth/auth.decorators';
import { CreatedTenantDto, CreateTenantDto, TenantDto, UpdateSchoolDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin: tenants')
@ApiBearerAuth()
@Controller('admin/tenants')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @ApiDoc(
    'Create a school',
    "A new tenant with its first admin and that admin's API key (platform administrators only).",
    [400, 403, 409],
  )
  @Post()
  @PlatformAdminOnly()
  async create(@Body() body: CreateTenantDto): Promise<CreatedTenantDto> {
    const { tenant, admin, key } = await this.tenants.createTenant(body);
    return { tenant: tenant as TenantDto, adminUserId: admin.id, key };
  }

  @ApiDoc('List schools', 'Every tenant (platform administrators only).', [403])
  @Get()
  @PlatformAdminOnly()
  list(): Promise<TenantDto[]> {
    return this.tenants.listTenants() as Promise<TenantDto[]>;
  }

  /** The caller's own tenant. */
  @ApiDoc("The caller's school", 'The tenant the caller belongs to, with its settings.', [])
  @Get('current')
  current(@Auth() auth: AuthContext): Promise<TenantDto> {
    return this.tenants.currentTenant(auth) as Promise<TenantDto>;
  }

  @ApiDoc(
    "Update the caller's school",
    "A school admin's settings of their own school (sharing, teacher writes, deletion policy).",
    [400, 403],
  )
  @Patch('current')
  @Roles('admin')
  updateCurrent(@Auth() auth: AuthContext, @Body() body: UpdateSchoolDto): Promise<TenantDto> {
    return this.tenants.updateCurrentTenant(auth, body) as Promise<TenantDto>;
  }

  @ApiDoc('Get a school', 'One tenant (platform administrators only).', [403, 404])
  @Get(':id')
  @PlatformAdminOnly()
  get(@Param('id') id: string): Promise<TenantDto> {
    return this.tenants.getTenant(id) as Promise<TenantDto>;
  }

  @ApiDoc(
    'Update a school',
    'Name and settings (sharing, teacher writes, sandbox network…) of a tenant (platform administrators only).',
    [400, 403, 404],
  )
  @Patch(':id')
  @PlatformAdminOnly()
  update(@Param('id') id: string, @Body() body: UpdateTenantDto): Promise<TenantDto> {
    return this.tenants.updateTenant(id, body) as Promise<TenantDto>;
  }

  @ApiDoc(
    'Delete a school',
    'Deletes a tenant with all its users, sessions and workspaces (platform administrators only).',
    [403, 404],
  )
  @Delete(':id')
  @PlatformAdminOnly()
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.tenants.deleteTenant(auth, id);
  }
}
