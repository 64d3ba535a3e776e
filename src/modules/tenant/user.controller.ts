import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import {
  ApiKeyDto,
  CreatedKeyDto,
  CreateKeyDto,
  CreateUserDto,
  KeyListQueryDto,
  UpdateUserDto,
  UserDto,
  UserListQueryDto,
} from './dto/tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin: users and keys')
@ApiBearerAuth()
@Controller('admin')
export class UserController {
  constructor(private readonly tenants: TenantService) {}

  @Get('users')
  @Roles('admin', 'teacher')
  listUsers(@Auth() auth: AuthContext, @Query() query: UserListQueryDto): Promise<UserDto[]> {
    return this.tenants.listUsers(auth, query.role);
  }

  @Post('users')
  @Roles('admin')
  createUser(@Auth() auth: AuthContext, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.tenants.createUser(auth, body);
  }

  @Get('users/:id')
  @Roles('admin')
  getUser(@Auth() auth: AuthContext, @Param('id') id: string): Promise<UserDto> {
    return this.tenants.getUser(auth, id);
  }

  @Patch('users/:id')
  @Roles('admin')
  updateUser(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.tenants.updateUser(auth, id, body);
  }

  @Delete('users/:id')
  @Roles('admin')
  deleteUser(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.tenants.deleteUser(auth, id);
  }

  /** Keys: admins see the tenant's, everyone else their own. */
  @Get('keys')
  listKeys(@Auth() auth: AuthContext, @Query() query: KeyListQueryDto): Promise<ApiKeyDto[]> {
    return this.tenants.listKeys(auth, query.userId);
  }

  @Post('keys')
  createKey(@Auth() auth: AuthContext, @Body() body: CreateKeyDto): Promise<CreatedKeyDto> {
    return this.tenants.issueKey(auth, {
      name: body.name,
      userId: body.userId,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
    });
  }

  @Delete('keys/:id')
  revokeKey(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ApiKeyDto | null> {
    return this.tenants.revokeKey(auth, id);
  }
}
